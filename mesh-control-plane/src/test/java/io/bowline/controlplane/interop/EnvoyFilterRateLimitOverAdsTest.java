package io.bowline.controlplane.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.bowline.api.MeshClient;
import io.bowline.controlplane.IstioRateLimitTask;
import io.bowline.controlplane.LocalControlPlane;
import io.bowline.controlplane.TestConfigs;
import io.bowline.controlplane.translate.ClientView;
import io.bowline.runtime.adapter.okhttp.BowlineOkHttp;
import io.bowline.runtime.adapter.okhttp.MeshInterceptor;
import io.bowline.runtime.testing.RateLimitServer;
import io.bowline.runtime.xds.XdsClient;
import io.bowline.runtime.xds.XdsResources;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Istio's rate-limit task EnvoyFilters, served by the local control plane over a real ADS stream to a runtime
 * client calling a loopback service: the local one lets the per-route bucket's N calls pass and answers the rest
 * 429 with flag {@code RL} before they reach the service; the global one asks the rate limit service (the
 * runtime's test {@link RateLimitServer}, reached through the cluster the EnvoyFilter adds) with the task's
 * domain and {@code PATH} descriptor, and answers its {@code OVER_LIMIT} with 429 {@code RL}. Removing the
 * EnvoyFilter and reloading removes the limit from the client. The runtime as a gateway ({@code router~} node)
 * ACKs the global one in its socket listener's connection manager, with the added cluster.
 */
class EnvoyFilterRateLimitOverAdsTest {
  private static final String HOST = "reviews.default.svc.cluster.local";

  private HttpServer backend;
  private final AtomicInteger served = new AtomicInteger();

  @BeforeEach
  void startBackend() throws IOException {
    backend = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    backend.createContext("/", exchange -> {
      served.incrementAndGet();
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    backend.start();
  }

  @AfterEach
  void stopBackend() {
    backend.stop(0);
  }

  private void writeService(Path dir) {
    TestConfigs.write(dir, "00-reviews.yaml", """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: reviews}
        spec:
          hosts: [%s]
          ports: [{number: 9080, name: http, protocol: HTTP}]
          resolution: STATIC
          endpoints: [{address: 127.0.0.1, ports: {http: %d}}]
        """.formatted(HOST, backend.getAddress().getPort()));
  }

  private static MeshClient productpage(LocalControlPlane controlPlane) throws Exception {
    MeshClient mesh = MeshClient.builder()
        .workload("productpage-v1", "default")
        .label("app", "productpage")
        .xdsServer("127.0.0.1:" + controlPlane.port())
        .build();
    mesh.awaitReady(Duration.ofSeconds(30));
    return mesh;
  }

  private static List<String> calls(MeshClient mesh, String path, int n) throws IOException {
    OkHttpClient http = BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      try (Response r = http.newCall(new Request.Builder().url("http://" + HOST + ":9080" + path).build()).execute()) {
        String flags = r.header(MeshInterceptor.RESPONSE_FLAGS_HEADER);
        out.add(r.code() + (flags == null ? "" : " [" + flags + "]"));
      }
    }
    return out;
  }

  @Test
  void theTasksLocalRateLimitLetsThePerRouteBucketsCallsPassAndAnswersTheRest429RlUntilItIsRemoved(@TempDir Path dir)
      throws Exception {
    writeService(dir);
    TestConfigs.write(dir, "10-local.yaml",
        IstioRateLimitTask.LOCAL.formatted("istio-system", 100, 100, HOST + ":9080", 3, 3));
    try (LocalControlPlane controlPlane = LocalControlPlane.builder(dir).port(0).start();
        MeshClient mesh = productpage(controlPlane)) {
      assertThat(controlPlane.diagnostics()).noneMatch(d -> d.isError() || d.code().equals("BLN0008"));
      assertThat(calls(mesh, "/reviews/1", 5)).containsExactly("200", "200", "200", "429 [RL]", "429 [RL]");
      assertThat(served).as("limited calls never reach the service").hasValue(3);

      Files.delete(dir.resolve("10-local.yaml"));
      assertThat(controlPlane.reload()).isTrue();
      await().atMost(Duration.ofSeconds(10)).until(() -> calls(mesh, "/reviews/1", 1).equals(List.of("200")));
      assertThat(calls(mesh, "/reviews/1", 5)).as("the EnvoyFilter removed, its filter is gone").containsOnly("200");
    }
  }

  @Test
  void theTasksGlobalRateLimitAsksTheServiceOfTheAddedClusterAndAnswersOverLimit429Rl(@TempDir Path dir)
      throws Exception {
    writeService(dir);
    try (RateLimitServer rls = new RateLimitServer()) {
      rls.answer(request -> RateLimitServer.code(request.getDescriptors(0).getEntries(0).getValue().equals("/limited")
          ? RateLimitResponse.Code.OVER_LIMIT : RateLimitResponse.Code.OK));
      TestConfigs.write(dir, "10-global.yaml", IstioRateLimitTask.GLOBAL.formatted("SIDECAR_OUTBOUND", "127.0.0.1",
          rls.port()).replace("{istio: ingressgateway}", "{app: productpage}"));
      try (LocalControlPlane controlPlane = LocalControlPlane.builder(dir).port(0).start();
          MeshClient mesh = productpage(controlPlane)) {
        assertThat(controlPlane.diagnostics()).noneMatch(d -> d.isError() || d.code().equals("BLN0008"));
        assertThat(List.of(calls(mesh, "/free", 1).get(0), calls(mesh, "/limited", 1).get(0),
            calls(mesh, "/free", 1).get(0))).containsExactly("200", "429 [RL]", "200");
        assertThat(served).hasValue(2);
        RateLimitRequest asked = rls.requests().get(1);
        assertThat(asked.getDomain()).isEqualTo("ratelimit");
        assertThat(asked.getDescriptorsList()).containsExactly(RateLimitDescriptor.newBuilder()
            .addEntries(RateLimitDescriptor.Entry.newBuilder().setKey("PATH").setValue("/limited")).build());
      }
    }
  }

  @Test
  void theRuntimeAsAGatewayAcksTheTasksGlobalRateLimitInItsSocketListenerWithTheAddedCluster(@TempDir Path dir)
      throws Exception {
    Files.copy(TestConfigs.bookinfoServices(), dir.resolve("a-services.yaml"));
    Files.copy(TestConfigs.istioFixture("samples__bookinfo__networking__bookinfo-gateway.yaml"),
        dir.resolve("bookinfo-gateway.yaml"));
    TestConfigs.write(dir, "10-global.yaml", IstioRateLimitTask.GLOBAL.formatted("GATEWAY", "127.0.0.1", 8081));
    Node node = RuntimeGatewayViewTest.ingressGatewayNode();
    ClientView view = ClientView.router("istio-system", Map.of("istio", "ingressgateway"));
    AtomicReference<XdsResources> latest = new AtomicReference<>();
    try (LocalControlPlane controlPlane = LocalControlPlane.builder(dir).port(0).start();
        XdsClient client = new XdsClient("127.0.0.1:" + controlPlane.port(), node, Duration.ofSeconds(2),
            latest::set)) {
      client.start();
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        for (String type : BookinfoReviewsMesh.TYPES) {
          assertThat(client.status().versionOf(type)).as(type).isNotEmpty()
              .isEqualTo(controlPlane.servedVersion(view, type));
        }
      });
      assertThat(controlPlane.acks().nacks()).isEmpty();
      assertThat(latest.get().clusters()).containsKey("rate_limit_cluster");
      assertThat(latest.get().socketListeners().get("0.0.0.0_8080").filterChains()).singleElement()
          .satisfies(chain -> assertThat(chain.http().httpFilters())
              .endsWith("envoy.filters.http.ratelimit", "envoy.filters.http.router"));
    }
  }
}
