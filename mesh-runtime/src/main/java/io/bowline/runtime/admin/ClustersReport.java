package io.bowline.runtime.admin;

import com.google.protobuf.UInt32Value;
import io.bowline.api.config.CircuitBreakers;
import io.bowline.api.config.Cluster;
import io.bowline.api.config.Endpoint;
import io.bowline.api.config.LocalityEndpoints;
import io.bowline.runtime.upstream.ClusterEntry;
import io.bowline.runtime.upstream.ClusterResilience;
import io.bowline.runtime.upstream.HealthFlag;
import io.bowline.runtime.upstream.HostHealth;
import io.bowline.runtime.upstream.OutlierDetector;
import io.bowline.runtime.upstream.Resilience;
import io.bowline.runtime.upstream.lb.UpstreamHost;
import io.envoyproxy.envoy.admin.v3.ClusterStatus;
import io.envoyproxy.envoy.admin.v3.Clusters;
import io.envoyproxy.envoy.admin.v3.HostHealthStatus;
import io.envoyproxy.envoy.admin.v3.HostStatus;
import io.envoyproxy.envoy.admin.v3.SimpleMetric;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers.Thresholds;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Envoy's admin {@code /clusters}: every cluster of the current snapshot with its circuit-breaker thresholds
 * and, per host, its counters ({@code rq_active}, {@code rq_total}), health flags (EDS status, outlier
 * ejection), weight, locality and priority; as Envoy's text lines ({@code cluster::host::stat::value}) or as
 * {@code envoy.admin.v3.Clusters} ({@code ?format=json}). Values Bowline does not measure per host (connections,
 * success rate) are shown as Envoy shows a value it has no data for: {@code 0}, {@code -1}.
 */
final class ClustersReport {
  private ClustersReport() {}

  /** The clusters as {@code envoy.admin.v3.Clusters}, sorted by name. */
  static Clusters proto(Map<String, ClusterEntry> clusters, Resilience resilience, boolean addedViaApi) {
    Clusters.Builder out = Clusters.newBuilder();
    for (ClusterEntry entry : new TreeMap<>(clusters).values()) {
      Cluster c = entry.cluster();
      ClusterStatus.Builder s = ClusterStatus.newBuilder().setName(c.name()).setObservabilityName(c.name())
          .setAddedViaApi(addedViaApi);
      if (c.edsServiceName() != null && !c.edsServiceName().isEmpty()) {
        s.setEdsServiceName(c.edsServiceName());
      }
      CircuitBreakers cb = c.resilience().circuitBreakers();
      s.setCircuitBreakers(io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers.newBuilder()
          .addThresholds(Thresholds.newBuilder().setPriority(RoutingPriority.DEFAULT)
              .setMaxConnections(u32(cb.maxConnections())).setMaxPendingRequests(u32(cb.maxPendingRequests()))
              .setMaxRequests(u32(cb.maxRequests())).setMaxRetries(u32(cb.maxRetries()))));
      ClusterResilience live = resilience.cluster(c.name());
      Map<String, LocalityEndpoints.Locality> localities = localities(entry);
      for (UpstreamHost h : entry.balancing().hosts()) {
        Endpoint e = h.endpoint();
        HostHealth health = live == null ? HostHealth.fromEds(e.health()) : live.prioritySet().health(h);
        LocalityEndpoints.Locality l = localities.getOrDefault(e.hostPort(), LocalityEndpoints.Locality.NONE);
        HostStatus.Builder hs = HostStatus.newBuilder()
            .setAddress(Address.newBuilder().setSocketAddress(
                SocketAddress.newBuilder().setAddress(e.address()).setPortValue(e.port())))
            .addStats(metric("cx_active", 0, SimpleMetric.Type.GAUGE))
            .addStats(metric("rq_active", h.activeRequests(), SimpleMetric.Type.GAUGE))
            .addStats(metric("rq_total", h.totalRequests(), SimpleMetric.Type.COUNTER))
            .setHealthStatus(HostHealthStatus.newBuilder()
                .setFailedOutlierCheck(health.has(HealthFlag.FAILED_OUTLIER_CHECK))
                .setFailedActiveHealthCheck(health.has(HealthFlag.FAILED_ACTIVE_HC))
                .setFailedActiveDegradedCheck(health.has(HealthFlag.DEGRADED_ACTIVE_HC))
                .setEdsHealthStatus(HealthStatus.valueOf(e.health().name())))
            .setWeight(e.weight())
            .setPriority(h.priority())
            .setLocality(Locality.newBuilder().setRegion(l.region()).setZone(l.zone()).setSubZone(l.subZone()));
        if (e.hostname() != null) {
          hs.setHostname(e.hostname());
        }
        s.addHostStatuses(hs);
      }
      out.addClusterStatuses(s);
    }
    return out.build();
  }

  /** Envoy's text form: one {@code name::...::value} line per value. */
  static String text(Map<String, ClusterEntry> clusters, Resilience resilience, boolean addedViaApi) {
    StringBuilder b = new StringBuilder();
    Clusters all = proto(clusters, resilience, addedViaApi);
    for (ClusterStatus s : all.getClusterStatusesList()) {
      String c = s.getName();
      line(b, c, "observability_name", c);
      Thresholds t = s.getCircuitBreakers().getThresholds(0);
      line(b, c, "default_priority::max_connections", t.getMaxConnections().getValue());
      line(b, c, "default_priority::max_pending_requests", t.getMaxPendingRequests().getValue());
      line(b, c, "default_priority::max_requests", t.getMaxRequests().getValue());
      line(b, c, "default_priority::max_retries", t.getMaxRetries().getValue());
      ClusterResilience live = resilience.cluster(c);
      OutlierDetector od = live == null ? null : live.outlier();
      if (od != null) {
        line(b, c, "outlier::success_rate_average", -1);
        line(b, c, "outlier::success_rate_ejection_threshold", -1);
        line(b, c, "outlier::local_origin_success_rate_average", -1);
        line(b, c, "outlier::local_origin_success_rate_ejection_threshold", -1);
      }
      line(b, c, "added_via_api", s.getAddedViaApi());
      if (!s.getEdsServiceName().isEmpty()) {
        line(b, c, "eds_service_name", s.getEdsServiceName());
      }
      for (HostStatus h : s.getHostStatusesList()) {
        String host = c + "::" + h.getAddress().getSocketAddress().getAddress() + ":"
            + h.getAddress().getSocketAddress().getPortValue();
        for (SimpleMetric m : h.getStatsList()) {
          line(b, host, m.getName(), m.getValue());
        }
        line(b, host, "hostname", h.getHostname());
        line(b, host, "health_flags", healthFlags(h.getHealthStatus()));
        line(b, host, "weight", h.getWeight());
        line(b, host, "region", h.getLocality().getRegion());
        line(b, host, "zone", h.getLocality().getZone());
        line(b, host, "sub_zone", h.getLocality().getSubZone());
        line(b, host, "canary", false);
        line(b, host, "priority", h.getPriority());
        line(b, host, "success_rate", -1);
        line(b, host, "local_origin_success_rate", -1);
      }
    }
    return b.toString();
  }

  /** Envoy's {@code healthFlagsToString}: {@code healthy}, or each set flag as {@code /flag_name}. */
  static String healthFlags(HostHealthStatus h) {
    StringBuilder b = new StringBuilder();
    if (h.getFailedActiveHealthCheck()) {
      b.append("/failed_active_hc");
    }
    if (h.getFailedOutlierCheck()) {
      b.append("/failed_outlier_check");
    }
    HealthStatus eds = h.getEdsHealthStatus();
    if (eds == HealthStatus.UNHEALTHY || eds == HealthStatus.DRAINING || eds == HealthStatus.TIMEOUT) {
      b.append("/failed_eds_health");
    }
    if (h.getFailedActiveDegradedCheck()) {
      b.append("/degraded_active_hc");
    }
    if (eds == HealthStatus.DEGRADED) {
      b.append("/degraded_eds_health");
    }
    return b.length() == 0 ? "healthy" : b.toString();
  }

  private static Map<String, LocalityEndpoints.Locality> localities(ClusterEntry entry) {
    Map<String, LocalityEndpoints.Locality> out = new HashMap<>();
    if (entry.assignment() != null) {
      for (LocalityEndpoints le : entry.assignment().localities()) {
        for (Endpoint e : le.endpoints()) {
          out.putIfAbsent(e.hostPort(), le.locality() == null ? LocalityEndpoints.Locality.NONE : le.locality());
        }
      }
    }
    return out;
  }

  private static SimpleMetric metric(String name, long value, SimpleMetric.Type type) {
    return SimpleMetric.newBuilder().setName(name).setValue(value).setType(type).build();
  }

  private static UInt32Value u32(long v) {
    return UInt32Value.of((int) Math.min(v, 0xFFFFFFFFL));
  }

  private static void line(StringBuilder b, String prefix, String name, Object value) {
    b.append(prefix).append("::").append(name).append("::").append(value).append('\n');
  }
}
