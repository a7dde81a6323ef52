package io.bowline.controlplane.translate;

import com.google.protobuf.UInt32Value;
import io.bowline.controlplane.istio.TrafficResilience;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.type.v3.Percent;

/**
 * Istio {@code DestinationRule} {@code connectionPool} and {@code outlierDetection} → Envoy cluster
 * fields, as istiod's {@code applyConnectionPool} / {@code applyOutlierDetection} write them: a
 * connection pool starts every DEFAULT threshold at 2^32−1 and overrides the ones set (&gt; 0);
 * outlier detection always disables success-rate ejection, enforces the consecutive counters it
 * sets at 100 %, and writes {@code minHealthPercent} as the panic threshold.
 */
final class ClusterPolicyTranslator {
  static final int MAX_UINT32 = 0xFFFF_FFFF;

  private ClusterPolicyTranslator() {}

  /** The EDS cluster {@code name} with {@code policy}'s load balancer, connection pool and outlier detection. */
  static Cluster apply(String name, DestinationPolicies.ClusterPolicy policy) {
    return apply(ClusterTranslator.edsCluster(name, policy.loadBalancer()), policy.resilience());
  }

  /**
   * The cluster {@code name} of {@code service} with {@code policy}: EDS, or a DNS cluster carrying
   * {@code assignment} inline.
   */
  static Cluster apply(String name, MeshService service, ClusterLoadAssignment assignment,
      DestinationPolicies.ClusterPolicy policy) {
    if (service.discovery() == Cluster.DiscoveryType.EDS) {
      return apply(name, policy);
    }
    return apply(ClusterTranslator.dnsCluster(name, service.discovery(), policy.loadBalancer(), assignment),
        policy.resilience());
  }

  static Cluster apply(Cluster cluster, TrafficResilience r) {
    if (r.isEmpty()) {
      return cluster;
    }
    Cluster.Builder b = cluster.toBuilder();
    if (r.connectionPool() != null) {
      connectionPool(b, r.connectionPool());
    }
    if (r.outlierDetection() != null) {
      outlierDetection(b, r.outlierDetection());
    }
    return b.build();
  }

  private static void connectionPool(Cluster.Builder b, TrafficResilience.ConnectionPool p) {
    CircuitBreakers.Thresholds.Builder t = CircuitBreakers.Thresholds.newBuilder()
        .setPriority(RoutingPriority.DEFAULT)
        .setMaxConnections(UInt32Value.of(MAX_UINT32))
        .setMaxPendingRequests(UInt32Value.of(MAX_UINT32))
        .setMaxRequests(UInt32Value.of(MAX_UINT32))
        .setMaxRetries(UInt32Value.of(MAX_UINT32))
        .setTrackRemaining(true);
    if (p.maxConnections() > 0) {
      t.setMaxConnections(UInt32Value.of((int) p.maxConnections()));
    }
    if (p.http1MaxPendingRequests() > 0) {
      t.setMaxPendingRequests(UInt32Value.of((int) p.http1MaxPendingRequests()));
    }
    if (p.http2MaxRequests() > 0) {
      t.setMaxRequests(UInt32Value.of((int) p.http2MaxRequests()));
    }
    if (p.maxRetries() > 0) {
      t.setMaxRetries(UInt32Value.of((int) p.maxRetries()));
    }
    b.setCircuitBreakers(CircuitBreakers.newBuilder().addThresholds(t));
    if (p.connectTimeout() != null) {
      b.setConnectTimeout(HttpPolicyTranslator.proto(p.connectTimeout()));
    }
    if (p.maxRequestsPerConnection() > 0) {
      b.setCommonHttpProtocolOptions(HttpProtocolOptions.newBuilder()
          .setMaxRequestsPerConnection(UInt32Value.of((int) p.maxRequestsPerConnection())));
    }
  }

  private static void outlierDetection(Cluster.Builder b, TrafficResilience.OutlierDetection o) {
    OutlierDetection.Builder od = OutlierDetection.newBuilder().setEnforcingSuccessRate(UInt32Value.of(0));
    if (o.consecutive5xxErrors() >= 0) {
      od.setConsecutive5Xx(UInt32Value.of((int) o.consecutive5xxErrors()));
      od.setEnforcingConsecutive5Xx(UInt32Value.of(o.consecutive5xxErrors() > 0 ? 100 : 0));
    }
    if (o.consecutiveGatewayErrors() >= 0) {
      od.setConsecutiveGatewayFailure(UInt32Value.of((int) o.consecutiveGatewayErrors()));
      od.setEnforcingConsecutiveGatewayFailure(UInt32Value.of(o.consecutiveGatewayErrors() > 0 ? 100 : 0));
    }
    if (o.interval() != null) {
      od.setInterval(HttpPolicyTranslator.proto(o.interval()));
    }
    if (o.baseEjectionTime() != null) {
      od.setBaseEjectionTime(HttpPolicyTranslator.proto(o.baseEjectionTime()));
    }
    if (o.maxEjectionPercent() > 0) {
      od.setMaxEjectionPercent(UInt32Value.of((int) o.maxEjectionPercent()));
    }
    if (o.splitExternalLocalOriginErrors()) {
      od.setSplitExternalLocalOriginErrors(true);
      od.setEnforcingLocalOriginSuccessRate(UInt32Value.of(0));
      if (o.consecutiveLocalOriginFailures() > 0) {
        od.setConsecutiveLocalOriginFailure(UInt32Value.of((int) o.consecutiveLocalOriginFailures()));
        od.setEnforcingConsecutiveLocalOriginFailure(UInt32Value.of(100));
      }
    }
    b.setOutlierDetection(od);
    b.setCommonLbConfig(b.getCommonLbConfig().toBuilder()
        .setHealthyPanicThreshold(Percent.newBuilder().setValue(Math.max(0, o.minHealthPercent()))));
  }
}
