package io.bowline.runtime.lb;

import io.bowline.api.config.ClusterLoadAssignment;
import io.bowline.api.config.Endpoint;
import io.bowline.api.config.LbPolicy;
import io.bowline.api.config.LocalityEndpoints;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Builds a cluster's load balancer from its endpoint assignment, carrying live state (active
 * request counters, round-robin position) over from the previous build of the same cluster.
 *
 * <p>Host set: the highest priority (lowest number) that has a healthy host (HEALTHY or UNKNOWN);
 * unhealthy, draining and timed-out hosts are left out. The full priority-load and panic-threshold
 * arithmetic is not applied here.
 */
public final class ClusterLoadBalancing {
  private final Map<String, AtomicInteger> counters;
  private final AtomicLong rrPosition;
  private final List<UpstreamHost> hosts;
  private final LoadBalancer balancer;

  private ClusterLoadBalancing(
      LbPolicy policy, ClusterLoadAssignment cla, ClusterLoadBalancing previous) {
    this.counters = new HashMap<>();
    this.rrPosition =
        previous != null
            ? previous.rrPosition
            : new AtomicLong(java.util.concurrent.ThreadLocalRandom.current().nextInt(1 << 16));
    this.hosts = selectHosts(cla, previous);
    switch (policy) {
      case ROUND_ROBIN:
        balancer = new RoundRobinLoadBalancer(hosts, rrPosition);
        break;
      case RANDOM:
        balancer = new RandomLoadBalancer(hosts);
        break;
      case LEAST_REQUEST:
      default:
        balancer = new LeastRequestLoadBalancer(hosts);
        break;
    }
  }

  /**
   * @param previous the previous state of the same cluster, or {@code null}
   */
  public static ClusterLoadBalancing build(
      LbPolicy policy, ClusterLoadAssignment cla, ClusterLoadBalancing previous) {
    return new ClusterLoadBalancing(policy, cla, previous);
  }

  private List<UpstreamHost> selectHosts(ClusterLoadAssignment cla, ClusterLoadBalancing previous) {
    List<UpstreamHost> all = new ArrayList<>();
    int best = Integer.MAX_VALUE;
    for (LocalityEndpoints le : cla.localities()) {
      for (Endpoint e : le.endpoints()) {
        AtomicInteger c = previous != null ? previous.counters.get(e.hostPort()) : null;
        if (c == null) {
          c = new AtomicInteger();
        }
        counters.put(e.hostPort(), c);
        UpstreamHost h = new UpstreamHost(e, le.priority(), c);
        all.add(h);
        if (e.health().isHealthy()) {
          best = Math.min(best, le.priority());
        }
      }
    }
    List<UpstreamHost> chosen = new ArrayList<>();
    for (UpstreamHost h : all) {
      if (h.priority() == best && h.endpoint().health().isHealthy()) {
        chosen.add(h);
      }
    }
    return List.copyOf(chosen);
  }

  /** The hosts the balancer picks from. */
  public List<UpstreamHost> hosts() {
    return hosts;
  }

  /** The balancer. */
  public LoadBalancer balancer() {
    return balancer;
  }
}
