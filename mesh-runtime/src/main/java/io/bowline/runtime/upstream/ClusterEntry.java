package io.bowline.runtime.upstream;

import io.bowline.api.config.Cluster;
import io.bowline.api.config.ClusterLoadAssignment;
import io.bowline.runtime.upstream.lb.ClusterLoadBalancing;

/**
 * A cluster ready for the data path: its config, its endpoint assignment and its load balancer.
 *
 * @param cluster the CDS resource
 * @param assignment the endpoints it balances over (empty until EDS delivers them)
 * @param balancing the load balancer and its hosts
 */
public record ClusterEntry(Cluster cluster, ClusterLoadAssignment assignment, ClusterLoadBalancing balancing) {}
