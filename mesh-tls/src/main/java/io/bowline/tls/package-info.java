/**
 * Workload identity: SPIFFE IDs, X.509-SVIDs, a CA, CSRs, certificate providers and the rotating key and
 * trust managers that verify SPIFFE peers. Imports mesh-api, Bouncy Castle and the JDK only (plus grpc-api in
 * {@code io.bowline.tls.istio}); never the runtime or the control plane.
 */
package io.bowline.tls;
