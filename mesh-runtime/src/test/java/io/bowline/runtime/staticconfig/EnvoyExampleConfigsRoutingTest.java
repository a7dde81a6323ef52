package io.bowline.runtime.staticconfig;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.bowline.api.ClientStatus;
import io.bowline.api.MeshClient;
import io.bowline.runtime.adapter.okhttp.BowlineOkHttp;
import io.bowline.runtime.testing.NamedHttpServer;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Envoy's own examples (shared fixtures, read in place) loaded through {@code staticConfig(Path)}
 * route as their READMEs describe. Their docker-network addresses are moved onto loopback by
 * {@link LoopbackRewrite} (DNS clusters made {@code STATIC}, health-check verdicts given as
 * {@code health_status}); the listeners are socket listeners, made routable by
 * {@link SocketListeners}, so calls target the listener's (rewritten) address.
 */
class EnvoyExampleConfigsRoutingTest {
  private static final int CALLS = 400;

  @TempDir Path dir;
  private final List<NamedHttpServer> servers = new ArrayList<>();

  @AfterEach
  void stopServers() {
    servers.forEach(NamedHttpServer::close);
  }

  private static Path fixture(String name) {
    String shared = System.getProperty("bowline.shared.dir");
    Path file = shared == null ? null : Path.of(shared, "fixtures", "envoy", name);
    assumeTrue(file != null && Files.isRegularFile(file),
        "shared fixture " + name + " not found (system property bowline.shared.dir); skipping");
    return file;
  }

  private int server(String name) throws IOException {
    NamedHttpServer s = new NamedHttpServer(name);
    servers.add(s);
    return s.port();
  }

  private static int unusedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** front-proxy: {@code /service/1} → cluster service1-envoy, {@code /service/2} → service2-envoy. */
  @Test
  void frontProxyRoutesServicePathsToTheirClusters() throws Exception {
    Path fixture = fixture("envoyproxy-examples__front-proxy__envoy.yaml");
    int http = unusedPort();
    int https = unusedPort();
    LoopbackRewrite rewrite = new LoopbackRewrite(
        Map.of("0.0.0.0:8080", "127.0.0.1:" + http, "0.0.0.0:8443", "127.0.0.1:" + https),
        Map.of("service-envoy-1:8000", List.of(server("service1")),
            "service-envoy-2:8000", List.of(server("service2"))),
        Set.of());
    try (MeshClient mesh = MeshClient.builder().workload("front-envoy", "default")
        .staticConfig(rewrite.writeTo(fixture, dir)).build()) {
      assertThat(mesh.status().resources()).extracting(ClientStatus.Resource::state)
          .containsOnly(ClientStatus.State.ACKED);
      OkHttpClient client = BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
      for (int port : new int[] {http, https}) {
        String base = "http://127.0.0.1:" + port;
        assertThat(get(client, base + "/service/1")).isEqualTo("200 service1");
        assertThat(get(client, base + "/service/2")).isEqualTo("200 service2");
        assertThat(get(client, base + "/service/2/trace")).isEqualTo("200 service2");
        assertThat(get(client, base + "/other")).startsWith("404");
      }
    }
  }

  /**
   * locality-load-balancing: priority 0 (backend-local-1) takes everything while healthy; as its
   * hosts fail health checks, load spills to priority 1 (backend-local-2 and backend-remote-1,
   * equal locality weights) by Envoy's overprovisioning factor 1.4, and on to priority 2
   * (backend-remote-2). Each case is one of the README's steps.
   */
  @Test
  void localityLoadBalancingFailsOverByPriorityAndLocalityWeight() throws Exception {
    Path fixture = fixture("envoyproxy-examples__locality-load-balancing__envoy.yaml");
    List<Integer> local1 = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      local1.add(server("backend-local-1"));
    }
    int local2 = server("backend-local-2");
    int remote1 = server("backend-remote-1");
    int remote2 = server("backend-remote-2");

    // all healthy: everything to priority 0
    assertShares(fixture, List.of(local1.get(0)), Set.of(),
        Map.of("backend-local-1", 1.0));
    // backend-local-1 unhealthy: priority 1 takes all, its two localities weighted 1:1
    assertShares(fixture, List.of(local1.get(0)), Set.of(local1.get(0)),
        Map.of("backend-local-2", 0.5, "backend-remote-1", 0.5));
    // backend-local-1 and backend-local-2 unhealthy: priority 1 is 50% healthy × 1.4 = 70%,
    // all of it to the locality with healthy hosts; priority 2 takes the remaining 30%
    assertShares(fixture, List.of(local1.get(0)), Set.of(local1.get(0), local2),
        Map.of("backend-remote-1", 0.7, "backend-remote-2", 0.3));
    // only backend-remote-2 healthy: it takes everything
    assertShares(fixture, List.of(local1.get(0)), Set.of(local1.get(0), local2, remote1),
        Map.of("backend-remote-2", 1.0));
    // backend-local-1 scaled to 5 replicas, 2 unhealthy: priority 0 gets 3/5 × 1.4 = 84%,
    // priority 1 the other 16%, split between its localities
    assertShares(fixture, local1, Set.of(local1.get(0), local1.get(1)),
        Map.of("backend-local-1", 0.84, "backend-local-2", 0.08, "backend-remote-1", 0.08));
  }

  private void assertShares(Path fixture, List<Integer> local1, Set<Integer> unhealthy, Map<String, Double> expected)
      throws IOException {
    int listener = unusedPort();
    Map<String, List<Integer>> resolve = new HashMap<>();
    resolve.put("backend-local-1:8080", local1);
    resolve.put("backend-local-2:8080", List.of(servers.get(5).port()));
    resolve.put("backend-remote-1:8080", List.of(servers.get(6).port()));
    resolve.put("backend-remote-2:8080", List.of(servers.get(7).port()));
    LoopbackRewrite rewrite = new LoopbackRewrite(Map.of("0.0.0.0:3000", "127.0.0.1:" + listener), resolve, unhealthy);
    Path scenario = Files.createTempDirectory(dir, "scenario");
    Map<String, Integer> counts = new HashMap<>();
    try (MeshClient mesh = MeshClient.builder().workload("client", "default")
        .staticConfig(rewrite.writeTo(fixture, scenario)).build()) {
      assertThat(mesh.status().resources()).extracting(ClientStatus.Resource::state)
          .containsOnly(ClientStatus.State.ACKED);
      OkHttpClient client = BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
      for (int i = 0; i < CALLS; i++) {
        String reply = get(client, "http://127.0.0.1:" + listener + "/");
        assertThat(reply).startsWith("200 ");
        counts.merge(reply.substring(4), 1, Integer::sum);
      }
    }
    assertThat(counts.keySet()).as("hosts reached with %s unhealthy", unhealthy)
        .isSubsetOf(expected.keySet());
    expected.forEach((host, share) -> {
      double sd = Math.sqrt(share * (1 - share) / CALLS);
      double seen = counts.getOrDefault(host, 0) / (double) CALLS;
      assertThat(seen).as("share of %s with %s unhealthy (counts %s)", host, unhealthy, counts)
          .isBetween(share - 4 * sd - 1e-9, share + 4 * sd + 1e-9);
    });
  }

  private static String get(OkHttpClient client, String url) throws IOException {
    try (Response r = client.newCall(new Request.Builder().url(url).build()).execute()) {
      return r.code() + " " + r.body().string();
    }
  }
}
