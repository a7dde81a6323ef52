package io.bowline.runtime.snapshot;

import io.bowline.api.config.Cluster;
import io.bowline.api.config.ClusterLoadAssignment;
import io.bowline.api.config.Endpoint;
import io.bowline.api.config.LocalityEndpoints;
import io.bowline.runtime.upstream.lb.ClusterLoadBalancing;
import io.bowline.runtime.upstream.ClusterEntry;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Maps each aggregate cluster ({@code envoy.clusters.aggregate}) to one of its children: the first
 * child, in {@code clusters} order, that has a healthy host (health status HEALTHY or UNKNOWN); if
 * none has, the first child that exists; if none exists, no hosts (calls fail with UH). This is what
 * Envoy's priority flattening of the children's priority levels yields in the common case of each
 * child having all its healthy hosts at one priority; it does not spread load across children by
 * the overprovisioning factor when the first child is only partly healthy. A child that is itself
 * an aggregate is flattened the same way; cycles are cut.
 */
final class AggregateClusters {
  private AggregateClusters() {}

  /** Adds an entry for every aggregate cluster of {@code all}, sharing its chosen child's balancer. */
  static void resolve(Map<String, Cluster> all, Map<String, ClusterEntry> entries) {
    for (Cluster c : all.values()) {
      if (c.type() == Cluster.DiscoveryType.AGGREGATE) {
        ClusterEntry child = choose(c, all, entries, new HashSet<>());
        entries.put(c.name(), child == null
            ? new ClusterEntry(c, empty(c), ClusterLoadBalancing.build(c.lbPolicy(), empty(c), null))
            : new ClusterEntry(c, child.assignment(), child.balancing(), child.sockets())); // the child's transport socket
      }
    }
  }

  private static ClusterEntry choose(Cluster c, Map<String, Cluster> all, Map<String, ClusterEntry> entries, Set<String> seen) {
    if (!seen.add(c.name())) {
      return null;
    }
    ClusterEntry fallback = null;
    for (String name : c.optionsOrNone().aggregateClusters()) {
      Cluster child = all.get(name);
      if (child == null) {
        continue;
      }
      ClusterEntry e = child.type() == Cluster.DiscoveryType.AGGREGATE
          ? choose(child, all, entries, seen) : entries.get(name);
      if (e == null) {
        continue;
      }
      if (hasHealthyHost(e.assignment())) {
        return e;
      }
      if (fallback == null) {
        fallback = e;
      }
    }
    return fallback;
  }

  private static boolean hasHealthyHost(ClusterLoadAssignment cla) {
    for (LocalityEndpoints l : cla.localities()) {
      for (Endpoint e : l.endpoints()) {
        if (e.health().isHealthy()) {
          return true;
        }
      }
    }
    return false;
  }

  private static ClusterLoadAssignment empty(Cluster c) {
    return new ClusterLoadAssignment(c.name(), List.of(), ClusterLoadAssignment.DEFAULT_OVERPROVISIONING_FACTOR);
  }
}
