/**
 * The cluster manager's view of upstream hosts, in Envoy's words: each cluster's {@link
 * io.bowline.runtime.upstream.PrioritySet} keeps its hosts' {@link io.bowline.runtime.upstream.HostHealth}
 * (EDS status, outlier ejection, active health checks) and publishes the load balancing that follows
 * from it. May import {@code lb} and the config model; must not import the adapters, routing,
 * resilience or the xDS transport.
 */
package io.bowline.runtime.upstream;
