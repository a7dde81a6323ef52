package io.bowline.runtime.xds.resource;

import io.bowline.api.config.Cluster;
import io.bowline.api.config.ClusterOptions;
import io.bowline.api.config.LbPolicy;

/**
 * LOGICAL_DNS and STRICT_DNS clusters: the {@code load_assignment} names the hosts (and ports) to
 * resolve; a LOGICAL_DNS cluster must name exactly one (Envoy's rule). Resolution happens later,
 * every {@code dns_refresh_rate} (see {@code io.bowline.runtime.dns.DnsClusterResolver}).
 */
final class DnsClusterParser {
  private DnsClusterParser() {}

  static Cluster parse(io.envoyproxy.envoy.config.cluster.v3.Cluster c, LbPolicy lb, ClusterOptions options)
      throws ResourceException {
    if (!c.hasLoadAssignment()) {
      throw new ResourceException("load_assignment", "required for a " + c.getType() + " cluster");
    }
    io.bowline.api.config.ClusterLoadAssignment cla;
    try {
      cla = EndpointResourceType.convert(c.getLoadAssignment());
    } catch (ResourceException e) {
      throw e.within("load_assignment");
    }
    long hosts = cla.localities().stream().mapToLong(l -> l.endpoints().size()).sum();
    if (hosts == 0) {
      throw new ResourceException("load_assignment.endpoints", "a " + c.getType() + " cluster needs at least one host");
    }
    Cluster.DiscoveryType type = c.getType() == io.envoyproxy.envoy.config.cluster.v3.Cluster.DiscoveryType.LOGICAL_DNS
        ? Cluster.DiscoveryType.LOGICAL_DNS : Cluster.DiscoveryType.STRICT_DNS;
    if (type == Cluster.DiscoveryType.LOGICAL_DNS && hosts != 1) {
      throw new ResourceException("load_assignment.endpoints", "a LOGICAL_DNS cluster must have exactly one host, has " + hosts);
    }
    return new Cluster(c.getName(), type, null, lb, cla,
        options == null ? ClusterOptions.NONE : options);
  }
}
