package io.bowline.runtime.adapter.okhttp;

import static io.bowline.runtime.adapter.okhttp.OkHttpRetryAndTimeoutTest.ms;
import static io.bowline.runtime.adapter.okhttp.OkHttpRetryAndTimeoutTest.route;
import static io.bowline.runtime.adapter.okhttp.ResilienceFixture.SHADOW;
import static io.bowline.runtime.adapter.okhttp.ResilienceFixture.V1;
import static io.bowline.runtime.adapter.okhttp.ResilienceFixture.cluster;
import static io.bowline.runtime.testing.ScriptedHttpServer.HANG;
import static io.bowline.runtime.testing.ScriptedHttpServer.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.UInt32Value;
import io.bowline.runtime.testing.ScriptedHttpServer;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Outlier detection (spec §9) and request mirroring (spec §6) end to end. */
class OkHttpOutlierAndMirrorTest {
  private ResilienceFixture mesh;
  private ScriptedHttpServer a;
  private ScriptedHttpServer b;

  @BeforeEach
  void setUp() throws Exception {
    mesh = new ResilienceFixture();
    a = new ScriptedHttpServer("a");
    b = new ScriptedHttpServer("b");
  }

  @AfterEach
  void tearDown() throws Exception {
    a.close();
    b.close();
    mesh.close();
  }

  private String call() throws IOException {
    try (Response r = mesh.http.newCall(new Request.Builder().url("http://reviews:9080/").build()).execute()) {
      return r.code() + " " + r.body().string();
    }
  }

  static Cluster withOutlierDetection(int consecutive5xx, int maxEjectionPercent) {
    return cluster(V1).toBuilder().setOutlierDetection(OutlierDetection.newBuilder()
        .setConsecutive5Xx(UInt32Value.of(consecutive5xx))
        .setMaxEjectionPercent(UInt32Value.of(maxEjectionPercent))).build();
  }

  @Test
  void consecutive5xxEjectsTheHostFromTheLoadBalancerUntilDetectionIsRemoved() throws Exception {
    a.always(status(500));
    mesh.publish(route(RouteAction.newBuilder()), withOutlierDetection(3, 50), new int[] {a.port(), b.port()});
    mesh.connect();
    List<String> answers = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      answers.add(call());
    }
    assertThat(a.requestCount()).isEqualTo(3);
    assertThat(answers.subList(10, 30)).containsOnly("200 b");

    mesh.publish(route(RouteAction.newBuilder()), cluster(V1), new int[] {a.port(), b.port()});
    await().atMost(Duration.ofSeconds(10)).until(() -> call().startsWith("500"));
  }

  @Test
  void maxEjectionPercentKeepsTheOnlyHost() throws Exception {
    a.always(status(500));
    mesh.publish(route(RouteAction.newBuilder()), withOutlierDetection(2, 10), new int[] {a.port()});
    mesh.connect();
    for (int i = 0; i < 6; i++) {
      assertThat(call()).startsWith("500");
    }
    assertThat(a.requestCount()).isEqualTo(6);
  }

  private static RouteAction.Builder mirrorTo(boolean disableSuffix) {
    return RouteAction.newBuilder().addRequestMirrorPolicies(RouteAction.RequestMirrorPolicy.newBuilder()
        .setCluster(SHADOW).setDisableShadowHostSuffixAppend(disableSuffix));
  }

  @Test
  void mirrorsACopyWithTheShadowSuffixAndIgnoresItsAnswer() throws Exception {
    b.always(status(500));
    mesh.publish(route(mirrorTo(false)), cluster(V1), new int[] {a.port()}, cluster(SHADOW), new int[] {b.port()});
    mesh.connect();
    assertThat(call()).isEqualTo("200 a");
    await().atMost(Duration.ofSeconds(10)).until(() -> b.requestCount() == 1);
    assertThat(b.requests().get(0).get("host")).isEqualTo("reviews-shadow:9080");
    assertThat(a.requests().get(0).get("host")).isEqualTo("reviews:9080");
  }

  @Test
  void disableShadowHostSuffixAppendKeepsTheHost() throws Exception {
    mesh.publish(route(mirrorTo(true)), cluster(V1), new int[] {a.port()}, cluster(SHADOW), new int[] {b.port()});
    mesh.connect();
    assertThat(call()).isEqualTo("200 a");
    await().atMost(Duration.ofSeconds(10)).until(() -> b.requestCount() == 1);
    assertThat(b.requests().get(0).get("host")).isEqualTo("reviews:9080");
  }

  @Test
  void aHangingMirrorDoesNotSlowThePrimary() throws Exception {
    b.always(HANG);
    // the route timeout bounds each shadow: a primary that waited for its shadow would take 20 s; 50 primaries take
    // well under half of that (they took 2.1 s at load 12, past the 1.9 s this test allowed against a 2 s timeout)
    mesh.publish(route(mirrorTo(true).setTimeout(ms(20_000))), cluster(V1), new int[] {a.port()},
        cluster(SHADOW), new int[] {b.port()});
    mesh.connect();
    long start = System.nanoTime();
    for (int i = 0; i < 50; i++) {
      assertThat(call()).isEqualTo("200 a");
    }
    assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(10_000L);
    assertThat(a.requestCount()).isEqualTo(50);
  }

  @Test
  void deadAndSlowMirrorsNeverChangeThePrimarysResponses() throws Exception {
    int deadPort;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      deadPort = s.getLocalPort(); // closed on return: connections are refused
    }
    String dead = io.bowline.runtime.testing.EnvoyResources.clusterName(9080, "dead", ResilienceFixture.FQDN);
    b.always(HANG);
    mesh.publish(route(mirrorTo(false).addRequestMirrorPolicies(RouteAction.RequestMirrorPolicy.newBuilder().setCluster(dead))),
        cluster(V1), new int[] {a.port()}, cluster(SHADOW), new int[] {b.port()}, cluster(dead), new int[] {deadPort});
    mesh.connect();
    for (int i = 0; i < 40; i++) {
      try (Response r = mesh.http.newCall(new Request.Builder().url("http://reviews:9080/").build()).execute()) {
        assertThat(r.code()).isEqualTo(200);
        assertThat(r.body().string()).isEqualTo("a");
        assertThat(r.header(MeshInterceptor.RESPONSE_FLAGS_HEADER)).isNull();
        assertThat(r.header("x-served-by")).isEqualTo("a");
      }
    }
    assertThat(a.requestCount()).isEqualTo(40);
    assertThat(a.requests()).allMatch(h -> "reviews:9080".equals(h.get("host")));
    await().atMost(Duration.ofSeconds(10)).until(() -> b.requestCount() >= 1);
    assertThat(b.requests()).allMatch(h -> "reviews-shadow:9080".equals(h.get("host")));
  }
}
