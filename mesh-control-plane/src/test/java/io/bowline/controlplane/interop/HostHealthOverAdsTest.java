package io.bowline.controlplane.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.bowline.api.MeshClient;
import io.bowline.controlplane.LocalControlPlane;
import io.bowline.controlplane.TestConfigs;
import io.bowline.runtime.adapter.okhttp.BowlineOkHttp;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spec §7 and §9 end to end, as Istio users write it: a DestinationRule's {@code outlierDetection}
 * (and {@code localityLbSetting}) served by the local control plane over a real ADS stream, and
 * Bowline's runtime calling real loopback HTTP servers. An ejected host leaves the cluster's host
 * set: with {@code minHealthPercent} unset (istiod writes it as {@code healthy_panic_threshold} 0)
 * the only host ejected means 503 {@code UH}; at 50 every host ejected means panic, traffic to all
 * of them; with locality failover the local locality ejected moves traffic to the next priority,
 * and it comes back after {@code baseEjectionTime}.
 */
class HostHealthOverAdsTest {
  private static final String HOST = "cart.default.svc.cluster.local";
  private static final String CLUSTER = "outbound|8080||" + HOST;
  private static final String URL = "http://" + HOST + ":8080/items";
  /** The runtime's response-flags header (Envoy's %RESPONSE_FLAGS%). */
  private static final String FLAGS = "x-bowline-response-flags";

  private final List<Backend> backends = new ArrayList<>();

  /** A real HTTP server on loopback that answers with its name and a status the test sets. */
  private static final class Backend {
    final String name;
    final HttpServer server;
    final AtomicInteger status = new AtomicInteger(200);
    final AtomicInteger requests = new AtomicInteger();

    Backend(String name) throws IOException {
      this.name = name;
      this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.createContext("/", exchange -> {
        requests.incrementAndGet();
        byte[] body = name.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status.get(), body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
      });
      server.start();
    }

    int port() {
      return server.getAddress().getPort();
    }
  }

  private Backend backend(String name) throws IOException {
    Backend b = new Backend(name);
    backends.add(b);
    return b;
  }

  @AfterEach
  void stopBackends() {
    backends.forEach(b -> b.server.stop(0));
  }

  /**
   * The cart ServiceEntry, one WorkloadEntry per backend at its locality, and a DestinationRule whose
   * {@code trafficPolicy} holds {@code trafficPolicy} (its fields, YAML indented by four spaces).
   */
  private static void writeConfig(Path dir, Map<Backend, String> localities, String trafficPolicy) {
    StringBuilder yaml = new StringBuilder("""
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: cart}
        spec:
          hosts: [cart.default.svc.cluster.local]
          ports: [{number: 8080, name: http, protocol: HTTP}]
          resolution: STATIC
          workloadSelector: {labels: {app: cart}}
        """);
    localities.forEach((b, locality) -> yaml.append("""
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: cart-%s}
        spec:
          address: 127.0.0.1
          ports: {http: %d}
          labels: {app: cart}
          locality: %s
        """.formatted(b.name, b.port(), locality)));
    yaml.append("""
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: cart}
        spec:
          host: cart.default.svc.cluster.local
          trafficPolicy:
        """).append(trafficPolicy);
    TestConfigs.write(dir, "cart.yaml", yaml.toString());
  }

  private static MeshClient client(LocalControlPlane controlPlane) throws Exception {
    MeshClient mesh = MeshClient.builder()
        .workload("shop", "default")
        .locality("us-east", "a", "")
        .xdsServer("127.0.0.1:" + controlPlane.port())
        .build();
    mesh.awaitReady(Duration.ofSeconds(30));
    return mesh;
  }

  /** One call: status, response flags and body. */
  private record Answer(int status, String flags, String body) {}

  private static Answer call(OkHttpClient http) throws IOException {
    try (Response r = http.newCall(new Request.Builder().url(URL).build()).execute()) {
      return new Answer(r.code(), r.header(FLAGS, ""), r.body().string());
    }
  }

  @Test
  void theOnlyHostEjectedWithMinHealthPercentUnsetAnswers503NoHealthyUpstream(@TempDir Path dir) throws Exception {
    Backend only = backend("only");
    writeConfig(dir, Map.of(only, "us-east/a"), """
            outlierDetection: {consecutive5xxErrors: 1, interval: 1s, baseEjectionTime: 30s, maxEjectionPercent: 100}
        """);
    try (LocalControlPlane controlPlane = LocalControlPlane.builder(dir).port(0).start();
        MeshClient mesh = client(controlPlane)) {
      Cluster cluster = served(controlPlane, Cluster.class, CLUSTER);
      assertThat(cluster.getOutlierDetection().getConsecutive5Xx().getValue()).isEqualTo(1);
      assertThat(cluster.getCommonLbConfig().hasHealthyPanicThreshold()).isTrue();
      assertThat(cluster.getCommonLbConfig().getHealthyPanicThreshold().getValue()).isZero();

      OkHttpClient http = BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
      only.status.set(503);
      assertThat(call(http)).isEqualTo(new Answer(503, "", "only"));
      assertThat(call(http)).isEqualTo(new Answer(503, "UH", "no healthy upstream"));
      assertThat(call(http).flags()).isEqualTo("UH");
      assertThat(only.requests).hasValue(1);
    }
  }

  @Test
  void withMinHealthPercent50EveryHostEjectedSendsTrafficToAllHosts(@TempDir Path dir) throws Exception {
    Backend a = backend("a");
    Backend b = backend("b");
    writeConfig(dir, Map.of(a, "us-east/a", b, "us-east/a"), """
            loadBalancer: {simple: ROUND_ROBIN}
            outlierDetection:
              consecutive5xxErrors: 1
              interval: 1s
              baseEjectionTime: 30s
              maxEjectionPercent: 100
              minHealthPercent: 50
        """);
    try (LocalControlPlane controlPlane = LocalControlPlane.builder(dir).port(0).start();
        MeshClient mesh = client(controlPlane)) {
      Cluster cluster = served(controlPlane, Cluster.class, CLUSTER);
      assertThat(cluster.getCommonLbConfig().getHealthyPanicThreshold().getValue()).isEqualTo(50.0);

      OkHttpClient http = BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
      a.status.set(503);
      b.status.set(503);
      // Round robin: the first two calls eject one host each.
      assertThat(List.of(call(http).body(), call(http).body())).containsExactlyInAnyOrder("a", "b");
      // Both ejected, 0 % healthy < 50 %: panic balances over every host, ejected or not.
      Map<String, Integer> bodies = new HashMap<>();
      for (int i = 0; i < 20; i++) {
        Answer answer = call(http);
        assertThat(answer.flags()).as("never UH in panic").isEmpty();
        bodies.merge(answer.body(), 1, Integer::sum);
      }
      assertThat(bodies).containsOnlyKeys("a", "b");
    }
  }

  @Test
  void localityFailoverMovesTrafficToTheNextPriorityAndBackAfterTheEjection(@TempDir Path dir) throws Exception {
    Backend east = backend("east");
    Backend west = backend("west");
    writeConfig(dir, Map.of(east, "us-east/a", west, "us-west/a"), """
            loadBalancer:
              localityLbSetting: {enabled: true}
            outlierDetection: {consecutive5xxErrors: 1, interval: 1s, baseEjectionTime: 2s, maxEjectionPercent: 100}
        """);
    try (LocalControlPlane controlPlane = LocalControlPlane.builder(dir).port(0).start();
        MeshClient mesh = client(controlPlane)) {
      ClusterLoadAssignment cla = served(controlPlane, ClusterLoadAssignment.class, CLUSTER);
      Map<String, Integer> priorities = new HashMap<>();
      for (LocalityLbEndpoints l : cla.getEndpointsList()) {
        priorities.put(l.getLocality().getRegion(), l.getPriority());
      }
      assertThat(priorities).as("istiod's failover priorities for a client in us-east/a")
          .isEqualTo(Map.of("us-east", 0, "us-west", 1));
      Cluster cluster = served(controlPlane, Cluster.class, CLUSTER);
      assertThat(cluster.getCommonLbConfig().hasLocalityWeightedLbConfig()).isTrue();
      assertThat(cluster.hasOutlierDetection()).isTrue();

      OkHttpClient http = BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
      for (int i = 0; i < 5; i++) {
        assertThat(call(http).body()).as("the local locality takes all traffic").isEqualTo("east");
      }
      east.status.set(503);
      assertThat(call(http)).isEqualTo(new Answer(503, "", "east"));
      east.status.set(200);
      int eastRequests = east.requests.get();
      for (int i = 0; i < 5; i++) {
        assertThat(call(http).body()).as("east ejected: priority 1 takes the traffic").isEqualTo("west");
      }
      assertThat(east.requests).hasValue(eastRequests);
      await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
          .until(() -> call(http).body().equals("east"));
      for (int i = 0; i < 5; i++) {
        assertThat(call(http).body()).as("un-ejected after baseEjectionTime").isEqualTo("east");
      }
    }
  }

  /**
   * The resource {@code name} of type {@code type} as the control plane serves it to this test's
   * client (namespace default, locality us-east/a), read from a raw ADS stream.
   */
  private static <T extends com.google.protobuf.Message> T served(LocalControlPlane controlPlane, Class<T> type,
      String name) throws Exception {
    String typeUrl = "type.googleapis.com/" + (type == Cluster.class
        ? Cluster.getDescriptor().getFullName() : ClusterLoadAssignment.getDescriptor().getFullName());
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", controlPlane.port()).usePlaintext().build();
    BlockingQueue<DiscoveryResponse> responses = new LinkedBlockingQueue<>();
    try {
      StreamObserver<DiscoveryRequest> requests = AggregatedDiscoveryServiceGrpc.newStub(channel)
          .streamAggregatedResources(new StreamObserver<>() {
            @Override
            public void onNext(DiscoveryResponse response) {
              responses.add(response);
            }

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {}
          });
      requests.onNext(DiscoveryRequest.newBuilder()
          .setNode(Node.newBuilder().setId("sidecar~127.0.0.2~probe.default~default.svc.cluster.local")
              .setLocality(Locality.newBuilder().setRegion("us-east").setZone("a")))
          .setTypeUrl(typeUrl)
          .addAllResourceNames(type == Cluster.class ? List.of() : List.of(name))
          .build());
      DiscoveryResponse response = responses.poll(10, TimeUnit.SECONDS);
      assertThat(response).as("a %s response", typeUrl).isNotNull();
      requests.onCompleted();
      for (var any : response.getResourcesList()) {
        T resource = any.unpack(type);
        String resourceName = resource instanceof Cluster c ? c.getName() : ((ClusterLoadAssignment) resource).getClusterName();
        if (resourceName.equals(name)) {
          return resource;
        }
      }
      throw new AssertionError(name + " not served in " + typeUrl);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
