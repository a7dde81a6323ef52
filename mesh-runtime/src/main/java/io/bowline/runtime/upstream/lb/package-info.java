/**
 * Endpoint choice as Envoy does it: priority load, panic threshold, locality weights and the
 * cluster's {@code lb_policy} (round robin, least request, random, ring hash, maglev). Must not
 * import the adapters, routing or the xDS transport.
 */
package io.bowline.runtime.upstream.lb;
