package io.bowline.controlplane.translate;

import com.google.protobuf.Duration;
import com.google.protobuf.UInt64Value;
import io.bowline.controlplane.istio.ConsistentHash;
import io.bowline.controlplane.istio.LoadBalancer;
import io.bowline.controlplane.istio.LoadBalancerSettings;
import io.bowline.controlplane.istio.LocalityLbSetting;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;

/**
 * Builds the EDS clusters of a service port: Envoy {@code config.cluster.v3.Cluster} of type EDS whose
 * endpoints come over ADS under the cluster's own name, with the DestinationRule's load balancer. A
 * {@code consistentHash} becomes {@code MAGLEV} (with {@code maglev_lb_config.table_size} only when
 * {@code maglev.tableSize} is set) or {@code RING_HASH} with {@code ring_hash_lb_config.minimum_ring_size} =
 * {@code minimumRingSize}, 1024 when unset (istiod's {@code applyLoadBalancer}). Unless the rule's
 * {@code localityLbSetting} says {@code enabled: false}, the cluster gets
 * {@code common_lb_config.locality_weighted_lb_config}, as istiod writes it whenever a locality load
 * balancing setting applies (the mesh default enables one): locality weights ({@code distribute}) and
 * each locality's health then count within a priority.
 */
final class ClusterTranslator {

  /** {@code RingHashLbConfig.minimum_ring_size} istiod writes when the rule sets none. */
  static final long DEFAULT_MINIMUM_RING_SIZE = 1024;

  /** {@code Cluster.connect_timeout}, as istiod sets it by default: 10 s. */
  static final Duration CONNECT_TIMEOUT = Duration.newBuilder().setSeconds(10).build();

  private ClusterTranslator() {}

  /** An EDS cluster named {@code name}, fetching its ClusterLoadAssignment of the same name over ADS. */
  static Cluster edsCluster(String name, LoadBalancerSettings loadBalancer) {
    Cluster.Builder cluster = Cluster.newBuilder()
        .setName(name)
        .setType(Cluster.DiscoveryType.EDS)
        .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder()
            .setEdsConfig(adsConfigSource())
            .setServiceName(name))
        .setConnectTimeout(CONNECT_TIMEOUT);
    if (loadBalancer.localityLbSetting().map(LocalityLbSetting::enabled).orElse(true)) {
      cluster.setCommonLbConfig(Cluster.CommonLbConfig.newBuilder()
          .setLocalityWeightedLbConfig(Cluster.CommonLbConfig.LocalityWeightedLbConfig.getDefaultInstance()));
    }
    loadBalancer.consistentHash().ifPresentOrElse(
        hash -> consistentHash(cluster, hash),
        () -> cluster.setLbPolicy(lbPolicy(loadBalancer.simple())));
    return SlowStartTranslator.apply(cluster.build(), loadBalancer);
  }

  private static void consistentHash(Cluster.Builder cluster, ConsistentHash hash) {
    if (hash.maglev()) {
      cluster.setLbPolicy(Cluster.LbPolicy.MAGLEV);
      if (hash.tableSize() > 0) {
        cluster.setMaglevLbConfig(Cluster.MaglevLbConfig.newBuilder().setTableSize(UInt64Value.of(hash.tableSize())));
      }
      return;
    }
    long ringSize = hash.minimumRingSize() > 0 ? hash.minimumRingSize() : DEFAULT_MINIMUM_RING_SIZE;
    cluster.setLbPolicy(Cluster.LbPolicy.RING_HASH)
        .setRingHashLbConfig(Cluster.RingHashLbConfig.newBuilder().setMinimumRingSize(UInt64Value.of(ringSize)));
  }

  /**
   * A {@code STRICT_DNS} or {@code LOGICAL_DNS} cluster named {@code name} whose endpoints are inline in
   * {@code load_assignment} (hostnames the client resolves), looked up IPv4-only ({@code dns_lookup_family
   * V4_ONLY}, istiod's default for IPv4 proxies), with the DestinationRule's load balancer.
   */
  static Cluster dnsCluster(String name, Cluster.DiscoveryType type, LoadBalancerSettings loadBalancer,
      ClusterLoadAssignment assignment) {
    return edsCluster(name, loadBalancer).toBuilder()
        .clearEdsClusterConfig()
        .setType(type)
        .setDnsLookupFamily(Cluster.DnsLookupFamily.V4_ONLY)
        .setLoadAssignment(assignment)
        .build();
  }

  /** A {@code ConfigSource} that says "over the ADS stream, API v3". */
  static ConfigSource adsConfigSource() {
    return ConfigSource.newBuilder()
        .setAds(AggregatedConfigSource.getDefaultInstance())
        .setResourceApiVersion(ApiVersion.V3)
        .build();
  }

  private static Cluster.LbPolicy lbPolicy(LoadBalancer loadBalancer) {
    switch (loadBalancer) {
      case ROUND_ROBIN:
        return Cluster.LbPolicy.ROUND_ROBIN;
      case RANDOM:
        return Cluster.LbPolicy.RANDOM;
      default:
        return Cluster.LbPolicy.LEAST_REQUEST;
    }
  }
}
