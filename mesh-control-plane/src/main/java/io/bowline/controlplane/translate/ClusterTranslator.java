package io.bowline.controlplane.translate;

import com.google.protobuf.Duration;
import io.bowline.controlplane.istio.LoadBalancer;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;

/**
 * Builds the EDS clusters of a service port: Envoy {@code config.cluster.v3.Cluster} of type EDS whose
 * endpoints come over ADS under the cluster's own name, with the DestinationRule's load balancer.
 */
final class ClusterTranslator {

  /** {@code Cluster.connect_timeout}, as istiod sets it by default: 10 s. */
  static final Duration CONNECT_TIMEOUT = Duration.newBuilder().setSeconds(10).build();

  private ClusterTranslator() {}

  /** An EDS cluster named {@code name}, fetching its ClusterLoadAssignment of the same name over ADS. */
  static Cluster edsCluster(String name, LoadBalancer loadBalancer) {
    return Cluster.newBuilder()
        .setName(name)
        .setType(Cluster.DiscoveryType.EDS)
        .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder()
            .setEdsConfig(adsConfigSource())
            .setServiceName(name))
        .setLbPolicy(lbPolicy(loadBalancer))
        .setConnectTimeout(CONNECT_TIMEOUT)
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
