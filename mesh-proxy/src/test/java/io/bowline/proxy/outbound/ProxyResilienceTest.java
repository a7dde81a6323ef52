package io.bowline.proxy.outbound;

import static io.bowline.runtime.testing.EnvoyResources.edsCluster;
import static io.bowline.runtime.testing.EnvoyResources.endpoints;
import static io.bowline.runtime.testing.EnvoyResources.listener;
import static io.bowline.runtime.testing.EnvoyResources.prefix;
import static io.bowline.runtime.testing.EnvoyResources.routes;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.UInt32Value;
import io.bowline.api.MeshClient;
import io.bowline.proxy.BowlineProxy;
import io.bowline.runtime.testing.ScriptedHttpServer;
import io.bowline.runtime.testing.XdsTestServer;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Spec §4 through the proxy: the route's retry policy and per-try timeout act on requests sent by
 * curl, with a buffered body sent again on each attempt; a body over the 1 MiB buffer is streamed
 * to one attempt and not retried.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProxyResilienceTest {
  private static final String SVC = "flaky.default.svc.cluster.local";

  private XdsTestServer xds;
  private ScriptedHttpServer flaky;
  private MeshClient mesh;
  private BowlineProxy proxy;

  @BeforeAll
  void start() throws Exception {
    flaky = new ScriptedHttpServer("flaky");
    xds = new XdsTestServer();
    Route route = Route.newBuilder().setMatch(prefix("/")).setRoute(RouteAction.newBuilder().setCluster("flaky")
        .setTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(10))
        .setRetryPolicy(RetryPolicy.newBuilder().setRetryOn("5xx").setNumRetries(UInt32Value.of(2))
            .setPerTryTimeout(com.google.protobuf.Duration.newBuilder().setNanos(400_000_000)))).build();
    xds.set(Snapshot.create(List.of(edsCluster("flaky", Cluster.LbPolicy.ROUND_ROBIN)),
        List.of(endpoints("flaky", flaky.port())), List.of(listener(SVC, 8080)), List.of(routes(SVC, 8080, route)),
        List.of(), "1"));
    mesh = MeshClient.builder().workload("proxy-resilience", "default").xdsServer(xds.address()).build();
    mesh.awaitReady(Duration.ofSeconds(20));
    proxy = BowlineProxy.builder().mesh(mesh).outbound(0).threads(1).start();
  }

  @AfterAll
  void stop() throws Exception {
    proxy.close();
    mesh.close();
    xds.close();
    flaky.close();
  }

  /** The requests the upstream received since {@code from}. */
  private List<java.util.Map<String, String>> since(int from) {
    List<java.util.Map<String, String>> all = flaky.requests();
    return all.subList(from, all.size());
  }

  private String[] post(Path body) {
    List<String> cmd = new ArrayList<>(List.of("curl", "-s", "-S", "--max-time", "20", "-D", "-", "-o", "/dev/null",
        "--noproxy", "", "-x", "http://127.0.0.1:" + proxy.outboundPort(), "--data-binary", "@" + body,
        "http://flaky:8080/"));
    return Clients.run(cmd).split("\r?\n");
  }

  @Test
  void a503IsRetriedWithTheSameBody() throws Exception {
    Path body = Files.writeString(Files.createTempFile("body", ".txt"), "hello retries");
    int from = flaky.requestCount();
    flaky.then(ScriptedHttpServer.status(503));
    String[] head = post(body);
    assertThat(head[0]).startsWith("HTTP/1.1 200");
    assertThat(since(from)).hasSize(2);
    assertThat(since(from)).allSatisfy(r -> assertThat(r.get(":body")).isEqualTo("hello retries"));
  }

  @Test
  void perTryTimeoutsAreRetriedThenAnswered504UT() throws Exception {
    Path body = Files.writeString(Files.createTempFile("body", ".txt"), "slow");
    int from = flaky.requestCount();
    flaky.then(new ScriptedHttpServer.Slow(3000), new ScriptedHttpServer.Slow(3000), new ScriptedHttpServer.Slow(3000));
    String[] head = post(body);
    assertThat(head[0]).startsWith("HTTP/1.1 504");
    assertThat(String.join("\n", head)).containsPattern("(?i)x-bowline-response-flags: .*UT");
    assertThat(since(from)).hasSize(3);
  }

  @Test
  void aBodyOverTheBufferIsStreamedToOneAttemptAndNotRetried() throws Exception {
    Path body = Files.writeString(Files.createTempFile("body", ".txt"), "x".repeat(1536 * 1024));
    int from = flaky.requestCount();
    flaky.then(ScriptedHttpServer.status(503));
    String[] head = post(body);
    assertThat(head[head.length > 1 && head[0].contains("100") ? 2 : 0]).startsWith("HTTP/1.1 503");
    assertThat(since(from)).hasSize(1);
    assertThat(since(from).get(0).get(":body")).hasSize(1536 * 1024);
  }
}
