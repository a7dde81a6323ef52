package io.bowline.runtime.telemetry;

import static io.bowline.runtime.telemetry.TelemetryMesh.FQDN;
import static io.bowline.runtime.telemetry.TelemetryMesh.V1;
import static io.bowline.runtime.testing.EnvoyResources.clusterName;
import static io.bowline.runtime.testing.EnvoyResources.edsCluster;
import static io.bowline.runtime.testing.EnvoyResources.prefix;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.protobuf.UInt32Value;
import com.google.protobuf.util.Durations;
import io.bowline.runtime.RuntimeMeshClient;
import io.bowline.runtime.testing.PrometheusText;
import io.bowline.runtime.testing.PrometheusText.Sample;
import io.bowline.runtime.testing.ScriptedHttpServer;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.ServerSocket;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Envoy's cluster statistics that Istio exports as {@code envoy_cluster_<stat>{cluster_name=...}}: the route's
 * timeout, a per-try timeout, a failed connect and the outlier detector's ejections, read back from a Prometheus
 * scrape by a real Prometheus text parser.
 */
class EnvoyClusterStatsTest {
  static final String PER_TRY = clusterName(9080, "pertry", FQDN);
  static final String DEAD = clusterName(9080, "dead", FQDN);
  private TelemetryMesh mesh;
  private ScriptedHttpServer hanging;

  @BeforeEach
  void setUp() throws Exception {
    mesh = new TelemetryMesh();
    hanging = new ScriptedHttpServer("hang").always(ScriptedHttpServer.HANG);
  }

  @AfterEach
  void tearDown() throws Exception {
    hanging.close();
    mesh.close();
  }

  @Test
  void routeTimeoutPerTryTimeoutConnectFailureAndOutlierEjectionsAreCountedPerCluster() throws Exception {
    assumeTrue(PrometheusText.available(), PrometheusText.MISSING);
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort(); // nothing listens there once closed: connect fails
    }
    Route slow = Route.newBuilder().setMatch(prefix("/slow")).setRoute(RouteAction.newBuilder().setCluster(V1)
        .setTimeout(Durations.fromMillis(200))).build();
    Route perTry = Route.newBuilder().setMatch(prefix("/pertry")).setRoute(RouteAction.newBuilder()
        .setCluster(PER_TRY).setTimeout(Durations.fromSeconds(10)).setRetryPolicy(RetryPolicy.newBuilder()
            .setRetryOn("5xx").setNumRetries(UInt32Value.of(0)).setPerTryTimeout(Durations.fromMillis(200))))
        .build();
    Route dead = Route.newBuilder().setMatch(prefix("/dead")).setRoute(RouteAction.newBuilder().setCluster(DEAD))
        .build();
    Cluster deadCluster = edsCluster(DEAD, Cluster.LbPolicy.ROUND_ROBIN).toBuilder()
        .setOutlierDetection(OutlierDetection.newBuilder().setConsecutive5Xx(UInt32Value.of(1))
            .setMaxEjectionPercent(UInt32Value.of(100)).setBaseEjectionTime(Durations.fromSeconds(60)))
        .build();
    mesh.publish(l -> l, List.of(slow, perTry, dead), V1, new int[] {hanging.port()}, PER_TRY,
        new int[] {hanging.port()}, deadCluster, new int[] {closed});
    mesh.connect(b -> b);
    PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    RuntimeMeshClient.of(mesh.mesh).meterRegistry().add(prometheus);

    assertThat(IstioMetricsTest.status(mesh, "/slow")).isEqualTo(504);
    assertThat(IstioMetricsTest.status(mesh, "/pertry")).isEqualTo(504);
    assertThat(IstioMetricsTest.status(mesh, "/dead")).isEqualTo(503);

    // the stats flush that adds the per-thread upstream_rq_total and upstream_rq_xx counts (the admin's scrape runs it)
    RuntimeMeshClient.of(mesh.mesh).istioMetrics().flush();
    List<Sample> samples = PrometheusText.parse(prometheus.scrape());
    assertThat(one(samples, "envoy_cluster_upstream_rq_timeout_total", V1)).isEqualTo(1);
    assertThat(one(samples, "envoy_cluster_upstream_rq_per_try_timeout_total", V1)).isZero();
    assertThat(one(samples, "envoy_cluster_upstream_rq_per_try_timeout_total", PER_TRY)).isEqualTo(1);
    assertThat(one(samples, "envoy_cluster_upstream_rq_timeout_total", PER_TRY)).isZero();
    assertThat(one(samples, "envoy_cluster_upstream_cx_connect_fail_total", DEAD)).isEqualTo(1);
    assertThat(one(samples, "envoy_cluster_upstream_rq_total", DEAD)).isEqualTo(1);
    assertThat(one(samples, "envoy_cluster_outlier_detection_ejections_active", DEAD)).isEqualTo(1);
    assertThat(one(samples, "envoy_cluster_outlier_detection_ejections_enforced_total", DEAD)).isEqualTo(1);
    assertThat(one(samples, "envoy_cluster_outlier_detection_ejections_active", V1)).isZero();
  }

  private static double one(List<Sample> samples, String name, String cluster) {
    List<Sample> found = samples.stream()
        .filter(s -> s.name().equals(name) && cluster.equals(s.labels().get("cluster_name"))).toList();
    assertThat(found).as("%s{cluster_name=%s}", name, cluster).hasSize(1);
    return found.get(0).value();
  }
}
