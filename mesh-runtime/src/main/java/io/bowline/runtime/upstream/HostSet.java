package io.bowline.runtime.upstream;

import io.bowline.runtime.upstream.lb.UpstreamHost;
import java.util.List;

/**
 * One priority level of a cluster as its {@link PrioritySet} last published it (Envoy's
 * {@code HostSet}): every host, and the ones load balancing treats as healthy and as degraded.
 * The load the level gets is on the cluster's {@link io.bowline.runtime.upstream.lb.ClusterLoadBalancing}.
 *
 * @param priority {@code LocalityLbEndpoints.priority}, 0 the highest
 * @param hosts every host of the level, whatever its health
 * @param healthyHosts the hosts whose {@link HostHealth#coarse()} is HEALTHY
 * @param degradedHosts the hosts whose {@link HostHealth#coarse()} is DEGRADED
 */
public record HostSet(int priority, List<UpstreamHost> hosts, List<UpstreamHost> healthyHosts,
    List<UpstreamHost> degradedHosts) {
  public HostSet {
    hosts = List.copyOf(hosts);
    healthyHosts = List.copyOf(healthyHosts);
    degradedHosts = List.copyOf(degradedHosts);
  }
}
