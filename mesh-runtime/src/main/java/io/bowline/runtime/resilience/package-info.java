/**
 * Envoy's router resilience, transport-agnostic: timeouts, retries, circuit breaking, outlier
 * detection, fault injection and mirroring, expressed over {@link io.bowline.runtime.resilience.Outcome}
 * so OkHttp and gRPC adapters share the decisions. Must not import adapters or the xDS transport.
 */
package io.bowline.runtime.resilience;
