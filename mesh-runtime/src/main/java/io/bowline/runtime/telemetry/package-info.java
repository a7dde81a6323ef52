/**
 * Telemetry of routed calls: the telemetry filter (spans, {@code x-request-id}, Istio's standard
 * metrics, the access log), trace propagation and inbound extraction. Imports the pipeline and
 * the upstream model; never the adapters, the xDS transport or the bootstrap.
 */
package io.bowline.runtime.telemetry;
