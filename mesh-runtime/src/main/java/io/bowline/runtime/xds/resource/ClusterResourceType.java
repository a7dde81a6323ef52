package io.bowline.runtime.xds.resource;

import io.bowline.api.config.Cluster;
import io.bowline.api.config.LbPolicy;

/**
 * CDS: {@code envoy.config.cluster.v3.Cluster}. Supports {@code type} EDS (over ADS), STATIC,
 * LOGICAL_DNS and STRICT_DNS ({@link DnsClusterParser}), the aggregate {@code cluster_type}
 * ({@link ClusterOptionsParser}), plaintext or TLS transport sockets ({@link TransportSocketParser}: a
 * TLS context that cannot be satisfied is rejected, never called in plaintext),
 * {@code lb_policy} ROUND_ROBIN, LEAST_REQUEST, RANDOM, RING_HASH and MAGLEV with their settings
 * ({@link LbConfigParser}), circuit breakers and outlier detection ({@link ClusterPoliciesParser}).
 */
public final class ClusterResourceType
    extends ResourceType<io.envoyproxy.envoy.config.cluster.v3.Cluster, Cluster> {

  private final java.util.Set<String> certificateProviderInstances;

  /** A type that accepts no certificate provider instance (TLS only through SDS). */
  public ClusterResourceType() {
    this(java.util.Set.of());
  }

  /**
   * @param certificateProviderInstances the bootstrap's {@code certificate_providers} instance names a TLS
   *     context may refer to
   */
  public ClusterResourceType(java.util.Set<String> certificateProviderInstances) {
    super(TypeUrls.CLUSTER, io.envoyproxy.envoy.config.cluster.v3.Cluster.getDescriptor(), io.envoyproxy.envoy.config.cluster.v3.Cluster.parser(), true);
    this.certificateProviderInstances = java.util.Set.copyOf(certificateProviderInstances);
  }

  @Override
  public String name(io.envoyproxy.envoy.config.cluster.v3.Cluster proto) {
    return proto.getName();
  }

  @Override
  public Cluster parse(io.envoyproxy.envoy.config.cluster.v3.Cluster c) throws ResourceException {
    var options = ClusterOptionsParser.parse(c, TransportSocketParser.parse(c, certificateProviderInstances));
    io.bowline.api.config.ClusterPolicies resilience = ClusterPoliciesParser.parse(c);
    if (c.hasClusterType()) {
      // lb_policy (CLUSTER_PROVIDED in Envoy's examples) is not used: calls use the chosen child's balancer
      return new Cluster(c.getName(), Cluster.DiscoveryType.AGGREGATE, null, LbPolicy.ROUND_ROBIN, null,
          io.bowline.api.config.LbConfig.DEFAULT, resilience, options);
    }
    LbPolicy lb = lbPolicy(c);
    switch (c.getType()) {
      case LOGICAL_DNS:
      case STRICT_DNS:
        Cluster dns = DnsClusterParser.parse(c, lb, options);
        return new Cluster(dns.name(), dns.type(), null, lb, dns.loadAssignment(), LbConfigParser.parse(c), resilience,
            dns.options());
      case EDS:
        ConfigSources.requireAds(c.getEdsClusterConfig().getEdsConfig(), "eds_cluster_config.eds_config");
        String service = c.getEdsClusterConfig().getServiceName();
        return new Cluster(c.getName(), Cluster.DiscoveryType.EDS, service.isEmpty() ? c.getName() : service, lb, null,
            LbConfigParser.parse(c), resilience, options);
      case STATIC:
        if (!c.hasLoadAssignment()) {
          throw new ResourceException("load_assignment", "required for a STATIC cluster");
        }
        try {
          var cla = EndpointResourceType.convert(c.getLoadAssignment());
          return new Cluster(c.getName(), Cluster.DiscoveryType.STATIC, null, lb, cla, LbConfigParser.parse(c), resilience,
              options);
        } catch (ResourceException e) {
          throw e.within("load_assignment");
        }
      default:
        throw new ResourceException("type", "not supported yet: " + c.getType());
    }
  }

  private static LbPolicy lbPolicy(io.envoyproxy.envoy.config.cluster.v3.Cluster c) throws ResourceException {
    if (c.hasLoadBalancingPolicy()) {
      throw new ResourceException("load_balancing_policy", "not supported yet; use lb_policy");
    }
    switch (c.getLbPolicy()) {
      case ROUND_ROBIN:
        return LbPolicy.ROUND_ROBIN;
      case LEAST_REQUEST:
        return LbPolicy.LEAST_REQUEST;
      case RANDOM:
        return LbPolicy.RANDOM;
      case RING_HASH:
        return LbPolicy.RING_HASH;
      case MAGLEV:
        return LbPolicy.MAGLEV;
      default:
        throw new ResourceException("lb_policy", "not supported yet: " + c.getLbPolicy());
    }
  }
}
