/**
 * Endpoint choice as Envoy does it: priority load, panic threshold, locality weights and the cluster's
 * {@code lb_policy} (round robin, least request, random, ring hash, maglev). Imports only the config model.
 */
package io.bowline.runtime.upstream.lb;
