package io.bowline.runtime.telemetry;

import static io.bowline.runtime.telemetry.TelemetryMesh.V1;
import static io.bowline.runtime.testing.EnvoyResources.prefix;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.github.udpa.udpa.type.v1.TypedStruct;
import com.google.protobuf.Any;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import io.bowline.runtime.RuntimeMeshClient;
import io.bowline.runtime.testing.PrometheusText;
import io.bowline.runtime.testing.PrometheusText.Sample;
import io.bowline.runtime.testing.ScriptedHttpServer;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@code istio.stats} filter's overrides over a real ADS stream, read back from a Prometheus scrape by a real
 * Prometheus text parser: a removed label is gone, an added one holds the request header's value, a dropped metric
 * is not recorded, the others keep Istio's labels; a new config replaces the meters (one label set per name).
 */
class IstioStatsOverridesTest {
  private static final String OVERRIDES = """
      {"metrics": [
        {"name": "requests_total", "dimensions": {"user": "request.headers['x-user']", "team": "'bookinfo'",
          "method": "request.method"}, "tags_to_remove": ["request_protocol"]},
        {"name": "request_bytes", "drop": true}]}
      """;

  private TelemetryMesh mesh;
  private ScriptedHttpServer backend;
  private PrometheusMeterRegistry prometheus;

  @BeforeEach
  void setUp() throws Exception {
    mesh = new TelemetryMesh();
    backend = new ScriptedHttpServer("a");
  }

  @AfterEach
  void tearDown() throws Exception {
    backend.close();
    mesh.close();
  }

  private static UnaryOperator<Listener> stats(String json) {
    return TelemetryMesh.hcm(h -> {
      Struct.Builder value = Struct.newBuilder();
      try {
        JsonFormat.parser().merge(json, value);
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        throw new IllegalStateException(e);
      }
      return h.addHttpFilters(h.getHttpFiltersCount() - 1, HttpFilter.newBuilder().setName("istio.stats")
          .setTypedConfig(Any.pack(TypedStruct.newBuilder().setTypeUrl("type.googleapis.com/stats.PluginConfig")
              .setValue(value).build())));
    });
  }

  private void publish(UnaryOperator<Listener> listener) {
    Route route = Route.newBuilder().setMatch(prefix("")).setRoute(RouteAction.newBuilder().setCluster(V1)).build();
    mesh.publish(listener, route, V1, new int[] {backend.port()});
  }

  private void connect() throws Exception {
    mesh.connect(b -> b);
    prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    RuntimeMeshClient.of(mesh.mesh).meterRegistry().add(prometheus);
  }

  private int call(String user) throws IOException {
    Request.Builder r = new Request.Builder().url("http://reviews:9080/reviews/1");
    if (user != null) {
      r.header("x-user", user);
    }
    try (Response response = mesh.http.newCall(r.build()).execute()) {
      response.body().string();
      return response.code();
    }
  }

  private List<Sample> scrape(String name) throws Exception {
    RuntimeMeshClient.of(mesh.mesh).istioMetrics().flush(); // the stats flush that merges the histograms
    return PrometheusText.parse(prometheus.scrape()).stream().filter(s -> s.name().equals(name)).toList();
  }

  private static double count(List<Sample> samples, String label, String value) {
    return samples.stream().filter(s -> value.equals(s.labels().get(label))).mapToDouble(Sample::value).sum();
  }

  @Test
  void removedLabelIsGoneAddedLabelsHoldTheirValuesAndADroppedMetricIsNotRecorded() throws Exception {
    assumeTrue(PrometheusText.available(), PrometheusText.MISSING);
    publish(stats(OVERRIDES));
    connect();
    assertThat(call("alice")).isEqualTo(200);
    assertThat(call("alice")).isEqualTo(200);
    assertThat(call("bob")).isEqualTo(200);
    assertThat(call(null)).isEqualTo(200);

    List<Sample> requests = scrape("istio_requests_total");
    assertThat(requests).isNotEmpty().allSatisfy(s -> {
      assertThat(s.labels()).doesNotContainKey("request_protocol")
          .containsEntry("team", "bookinfo").containsEntry("method", "GET")
          .containsEntry("reporter", "source").containsEntry("destination_service_name", "reviews");
    });
    assertThat(count(requests, "user", "alice")).isEqualTo(2);
    assertThat(count(requests, "user", "bob")).isEqualTo(1);
    assertThat(count(requests, "user", "unknown")).as("no header: Istio's value of an absent attribute")
        .isEqualTo(1);
    assertThat(scrape("istio_request_bytes_count")).as("REQUEST_SIZE dropped").isEmpty();
    List<Sample> responses = scrape("istio_response_bytes_count");
    assertThat(responses).isNotEmpty().allSatisfy(s -> assertThat(s.labels())
        .containsEntry("request_protocol", "http").doesNotContainKeys("user", "team"));
    assertThat(responses.stream().mapToDouble(Sample::value).sum()).isEqualTo(4);
  }

  @Test
  void aNewConfigReplacesTheMetersSoEachNameKeepsOneLabelSet() throws Exception {
    assumeTrue(PrometheusText.available(), PrometheusText.MISSING);
    publish(stats(OVERRIDES));
    connect();
    assertThat(call("alice")).isEqualTo(200);
    assertThat(count(scrape("istio_requests_total"), "user", "alice")).isEqualTo(1);

    publish(l -> l); // the filter is gone: Istio's standard labels again
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      assertThat(call("alice")).isEqualTo(200);
      assertThat(scrape("istio_requests_total")).isNotEmpty().allSatisfy(s -> assertThat(s.labels())
          .containsEntry("request_protocol", "http").doesNotContainKeys("user", "team", "method"));
    });
    assertThat(scrape("istio_request_bytes_count")).as("no longer dropped").isNotEmpty();
  }
}
