package io.bowline.runtime.adapter.okhttp;

import static io.bowline.runtime.adapter.okhttp.OkHttpRetryAndTimeoutTest.route;
import static io.bowline.runtime.adapter.okhttp.ResilienceFixture.SHADOW;
import static io.bowline.runtime.adapter.okhttp.ResilienceFixture.V1;
import static io.bowline.runtime.adapter.okhttp.ResilienceFixture.cluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bowline.runtime.testing.EnvoyResources;
import io.bowline.runtime.testing.ScriptedHttpServer;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.micrometer.core.instrument.Counter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Mirroring's Micrometer meters ({@code bowline.mirror.*}) against real loopback mirror targets,
 * and the shadow connection back-off against a dead one.
 */
class OkHttpMirrorMetricsTest {
  private ResilienceFixture mesh;
  private ScriptedHttpServer primary;
  private ScriptedHttpServer mirror;

  @BeforeEach
  void setUp() throws Exception {
    mesh = new ResilienceFixture();
    primary = new ScriptedHttpServer("a");
    mirror = new ScriptedHttpServer("m");
  }

  @AfterEach
  void tearDown() throws Exception {
    primary.close();
    mirror.close();
    mesh.close();
  }

  private static RouteAction.Builder mirrorTo(String cluster) {
    return RouteAction.newBuilder().addRequestMirrorPolicies(RouteAction.RequestMirrorPolicy.newBuilder().setCluster(cluster));
  }

  private double count(String name, String cluster, String tag, String value) {
    var search = mesh.meters.find(name).tag("cluster", cluster);
    if (tag != null) {
      search = search.tag(tag, value);
    }
    Counter c = search.counter();
    return c == null ? 0 : c.count();
  }

  private void post(String body) throws Exception {
    Request r = new Request.Builder().url("http://reviews:9080/")
        .post(RequestBody.create(body, MediaType.get("text/plain"))).build();
    try (Response response = mesh.http.newCall(r).execute()) {
      assertThat(response.code()).isEqualTo(200);
      assertThat(response.body().string()).isEqualTo("a");
    }
  }

  @Test
  void countsMirroredRequestsAndBodyBytesPerMirrorCluster() throws Exception {
    mirror.always(ScriptedHttpServer.status(503)); // any status is a response
    mesh.publish(route(mirrorTo(SHADOW)), cluster(V1), new int[] {primary.port()}, cluster(SHADOW), new int[] {mirror.port()});
    mesh.connect();
    for (int i = 0; i < 5; i++) {
      post("x".repeat(100));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> count("bowline.mirror.requests", SHADOW, "outcome", "response") == 5);
    assertThat(mirror.requests()).hasSize(5).allMatch(h -> h.get(":body").length() == 100);
    assertThat(count("bowline.mirror.bytes", SHADOW, null, null)).isEqualTo(500);
    assertThat(mesh.meters.find("bowline.mirror.bytes").counter().getId().getBaseUnit()).isEqualTo("bytes");
    assertThat(count("bowline.mirror.requests", SHADOW, "outcome", "failure")).isZero();
    assertThat(mesh.meters.find("bowline.mirror.dropped").counters()).isEmpty();
  }

  @Test
  void aSlowMirrorTargetSeesTheShadowsConcurrentlyAsEnvoySendsThem() throws Exception {
    mirror.always(new ScriptedHttpServer.Slow(3_000));
    mesh.publish(route(mirrorTo(SHADOW)), cluster(V1), new int[] {primary.port()}, cluster(SHADOW), new int[] {mirror.port()});
    mesh.connect();
    for (int i = 0; i < 12; i++) {
      post("x");
    }
    // all 12 reach the target while the first is still unanswered (a few threads would take 3 s each)
    await().atMost(Duration.ofMillis(2_500)).until(() -> mirror.requestCount() == 12);
    await().atMost(Duration.ofSeconds(10)).until(() -> count("bowline.mirror.requests", SHADOW, "outcome", "response") == 12);
  }

  @Test
  void theRouteTimeoutBoundsEachShadowQueueingIncluded() throws Exception {
    mirror.always(new ScriptedHttpServer.Slow(2_000));
    mesh.publish(route(mirrorTo(SHADOW).setTimeout(OkHttpRetryAndTimeoutTest.ms(300))), cluster(V1),
        new int[] {primary.port()}, cluster(SHADOW), new int[] {mirror.port()});
    mesh.connect();
    long start = System.nanoTime();
    for (int i = 0; i < 40; i++) {
      post("x"); // 40 shadows at once for a target that answers after 2 s
    }
    // with the bound each ends 300 ms after its hand-off: timed out on a mirror thread, or dropped
    // as expired if still queued then
    await().atMost(Duration.ofSeconds(5)).until(() -> count("bowline.mirror.requests", SHADOW, "outcome", "failure")
        + count("bowline.mirror.dropped", SHADOW, "reason", "expired") == 40);
    assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(5_000L);
    assertThat(count("bowline.mirror.requests", SHADOW, "outcome", "response")).isZero();
  }

  @Test
  void aDeadMirrorTargetIsTriedOnceThenShadowsAreDroppedWhileItBacksOff() throws Exception {
    int deadPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      deadPort = s.getLocalPort(); // closed on return: connections are refused
    }
    String dead = EnvoyResources.clusterName(9080, "dead", ResilienceFixture.FQDN);
    mesh.publish(route(mirrorTo(dead)), cluster(V1), new int[] {primary.port()}, cluster(dead), new int[] {deadPort});
    mesh.connect();
    post("first");
    await().atMost(Duration.ofSeconds(10)).until(() -> count("bowline.mirror.requests", dead, "outcome", "failure") == 1);
    for (int i = 0; i < 20; i++) {
      post("more");
    }
    await().atMost(Duration.ofSeconds(10))
        .until(() -> count("bowline.mirror.requests", dead, "outcome", "failure")
            + count("bowline.mirror.dropped", dead, "reason", "connect_backoff") == 21);
    // the back-off is 1 s ± 20 % after the first refusal: at most one more connect in that time
    assertThat(count("bowline.mirror.requests", dead, "outcome", "failure")).isLessThanOrEqualTo(2);
    assertThat(primary.requestCount()).isEqualTo(21);
  }
}
