package io.bowline.runtime.telemetry;

import static io.bowline.runtime.telemetry.TelemetryMesh.FQDN;
import static io.bowline.runtime.telemetry.TelemetryMesh.V1;
import static io.bowline.runtime.testing.EnvoyResources.clusterName;
import static io.bowline.runtime.testing.EnvoyResources.edsCluster;
import static io.bowline.runtime.testing.EnvoyResources.prefix;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import io.bowline.runtime.RuntimeMeshClient;
import io.bowline.runtime.testing.PrometheusText;
import io.bowline.runtime.testing.PrometheusText.Sample;
import io.bowline.runtime.testing.ScriptedHttpServer;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Istio's standard metrics and Envoy's cluster statistics as a Prometheus scrape, read back by a
 * real Prometheus text parser (Debian's {@code python3-prometheus-client}): the names, labels and
 * counts of upstream answers, a fault abort ({@code FI}) and a circuit-breaker overflow ({@code UO}).
 */
class IstioMetricsTest {
  static final String FULL = clusterName(9080, "full", FQDN);
  private TelemetryMesh mesh;
  private ScriptedHttpServer primary;

  @BeforeEach
  void setUp() throws Exception {
    mesh = new TelemetryMesh();
    primary = new ScriptedHttpServer("a");
  }

  @AfterEach
  void tearDown() throws Exception {
    primary.close();
    mesh.close();
  }

  static List<Route> faultFullAndPlainRoutes() {
    Route fault = Route.newBuilder().setMatch(prefix("/fault")).setRoute(RouteAction.newBuilder().setCluster(V1))
        .putTypedPerFilterConfig("envoy.filters.http.fault", Any.pack(HTTPFault.newBuilder()
            .setAbort(FaultAbort.newBuilder().setHttpStatus(503).setPercentage(FractionalPercent.newBuilder()
                .setNumerator(100))).build())).build();
    Route full = Route.newBuilder().setMatch(prefix("/full")).setRoute(RouteAction.newBuilder().setCluster(FULL)).build();
    Route plain = Route.newBuilder().setMatch(prefix("")).setRoute(RouteAction.newBuilder().setCluster(V1)).build();
    return List.of(fault, full, plain);
  }

  static Cluster fullCluster() {
    return edsCluster(FULL, Cluster.LbPolicy.ROUND_ROBIN).toBuilder().setCircuitBreakers(CircuitBreakers.newBuilder()
        .addThresholds(CircuitBreakers.Thresholds.newBuilder().setMaxRequests(UInt32Value.of(0)))).build();
  }

  static int status(TelemetryMesh mesh, String path) throws IOException {
    try (Response r = mesh.http.newCall(new Request.Builder().url("http://reviews:9080" + path).build()).execute()) {
      r.body().string();
      return r.code();
    }
  }

  @Test
  void aPrometheusScrapeHoldsIstioRequestsTotalWithIstiosLabelsIncludingFiAndUo() throws Exception {
    assumeTrue(PrometheusText.available(), PrometheusText.MISSING);
    mesh.publish(l -> l, faultFullAndPlainRoutes(), V1, new int[] {primary.port()}, fullCluster(),
        new int[] {primary.port()});
    mesh.connect(b -> b);
    PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    RuntimeMeshClient.of(mesh.mesh).meterRegistry().add(prometheus);
    assertThat(status(mesh, "/reviews/1")).isEqualTo(200);
    assertThat(status(mesh, "/reviews/2")).isEqualTo(200);
    assertThat(status(mesh, "/fault")).isEqualTo(503);
    assertThat(status(mesh, "/full")).isEqualTo(503);

    RuntimeMeshClient.of(mesh.mesh).istioMetrics().flush(); // the stats flush that merges the histograms
    List<Sample> samples = PrometheusText.parse(prometheus.scrape());
    Map<String, String> common = Map.ofEntries(
        Map.entry("reporter", "source"),
        Map.entry("source_workload", "productpage-v1"),
        Map.entry("source_workload_namespace", "default"),
        Map.entry("source_principal", "unknown"),
        Map.entry("source_app", "productpage"),
        Map.entry("source_version", "v1"),
        Map.entry("source_cluster", "Kubernetes"),
        Map.entry("destination_service", FQDN),
        Map.entry("destination_service_name", "reviews"),
        Map.entry("destination_service_namespace", "default"),
        Map.entry("request_protocol", "http"),
        Map.entry("grpc_response_status", ""),
        Map.entry("connection_security_policy", "unknown"));
    List<Sample> requests = samples.stream().filter(s -> s.name().equals("istio_requests_total")).toList();
    assertThat(requests).allSatisfy(s -> {
      assertThat(s.labels()).containsAllEntriesOf(common);
      assertThat(s.labels()).containsKeys("destination_workload", "destination_workload_namespace",
          "destination_principal", "destination_app", "destination_version", "destination_cluster");
    });
    assertThat(value(requests, "response_code", "200", "response_flags", "-")).isEqualTo(2);
    assertThat(value(requests, "response_code", "503", "response_flags", "FI")).isEqualTo(1);
    assertThat(value(requests, "response_code", "503", "response_flags", "UO")).isEqualTo(1);

    List<String> bounds = samples.stream()
        .filter(s -> s.name().equals("istio_request_duration_milliseconds_bucket") && "200".equals(s.labels().get("response_code")))
        .map(s -> s.labels().get("le")).toList();
    assertThat(bounds).containsExactly("0.5", "1.0", "5.0", "10.0", "25.0", "50.0", "100.0", "250.0", "500.0",
        "1000.0", "2500.0", "5000.0", "10000.0", "30000.0", "60000.0", "300000.0", "600000.0", "1800000.0", "3600000.0",
        "+Inf");
    assertThat(value(samples.stream().filter(s -> s.name().equals("istio_request_duration_milliseconds_count")).toList(),
        "response_code", "200", "response_flags", "-")).isEqualTo(2);
    assertThat(samples).anySatisfy(s -> assertThat(s.name()).isEqualTo("istio_request_bytes_bucket"));
    assertThat(samples).anySatisfy(s -> assertThat(s.name()).isEqualTo("istio_response_bytes_sum"));

    assertThat(one(samples, "envoy_cluster_upstream_rq_total", V1)).isEqualTo(2);
    assertThat(one(samples, "envoy_cluster_upstream_rq_pending_overflow_total", FULL)).isEqualTo(1);
    assertThat(samples.stream().filter(s -> s.name().equals("envoy_cluster_upstream_rq_xx_total")
        && V1.equals(s.labels().get("cluster_name")) && "2".equals(s.labels().get("envoy_response_code_class")))
        .mapToDouble(s -> s.value()).sum()).isEqualTo(2);
  }

  private static double value(List<Sample> samples, String k1, String v1, String k2, String v2) {
    return samples.stream().filter(s -> v1.equals(s.labels().get(k1)) && v2.equals(s.labels().get(k2)))
        .mapToDouble(Sample::value).sum();
  }

  private static double one(List<Sample> samples, String name, String cluster) {
    return samples.stream().filter(s -> s.name().equals(name) && cluster.equals(s.labels().get("cluster_name")))
        .mapToDouble(Sample::value).sum();
  }
}
