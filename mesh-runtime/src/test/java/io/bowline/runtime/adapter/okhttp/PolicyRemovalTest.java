package io.bowline.runtime.adapter.okhttp;

import static io.bowline.runtime.adapter.okhttp.OkHttpRetryAndTimeoutTest.ms;
import static io.bowline.runtime.adapter.okhttp.OkHttpRetryAndTimeoutTest.retry;
import static io.bowline.runtime.adapter.okhttp.OkHttpRetryAndTimeoutTest.route;
import static io.bowline.runtime.adapter.okhttp.ResilienceFixture.SHADOW;
import static io.bowline.runtime.adapter.okhttp.ResilienceFixture.V1;
import static io.bowline.runtime.adapter.okhttp.ResilienceFixture.cluster;
import static io.bowline.runtime.testing.ScriptedHttpServer.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import io.bowline.runtime.testing.ScriptedHttpServer;
import io.bowline.runtime.xds.resource.TypeUrls;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultDelay;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every resilience policy acts, then stops acting once a new snapshot without it is ACKed: for each
 * row a real ADS stream pushes a config with the policy against a misbehaving loopback backend,
 * the policy's effect is shown, the same config without the policy is pushed as a new version, the
 * client's ACK of that version is awaited ({@code ClientStatus.versionOf}), and the effect is gone
 * on the very next calls.
 */
class PolicyRemovalTest {
  private ResilienceFixture mesh;
  private ScriptedHttpServer a;
  private ScriptedHttpServer b;

  /** One policy: how the backends misbehave, the config with and without it, and what each shows. */
  record Case(String name, Consumer<PolicyRemovalTest> misbehave, Route withRoute, Cluster withCluster,
      Route withoutRoute, Cluster withoutCluster, Check acts, Check idle) {
    @Override
    public String toString() {
      return name;
    }
  }

  @FunctionalInterface
  interface Check {
    void verify(PolicyRemovalTest t) throws Exception;
  }

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

  /** One GET through the mesh: "code body [flags]". */
  String call() throws IOException {
    try (Response r = mesh.http.newCall(new Request.Builder().url("http://reviews:9080/r").build()).execute()) {
      String flags = r.header(MeshInterceptor.RESPONSE_FLAGS_HEADER);
      return r.code() + " " + r.body().string() + (flags == null ? "" : " [" + flags + "]");
    }
  }

  List<String> calls(int n) throws IOException {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(call());
    }
    return out;
  }

  private void publish(Route route, Cluster v1) {
    mesh.publish(route, v1, new int[] {a.port(), b.port()}, cluster(SHADOW), new int[] {b.port()});
  }

  private static Route plain() {
    return route(RouteAction.newBuilder());
  }

  private static Route faulty(HTTPFault fault) {
    return plain().toBuilder().putTypedPerFilterConfig("envoy.filters.http.fault", Any.pack(fault)).build();
  }

  private static final FractionalPercent ALL =
      FractionalPercent.newBuilder().setNumerator(100).setDenominator(FractionalPercent.DenominatorType.HUNDRED).build();

  private static final Consumer<PolicyRemovalTest> BOTH_SLOW = t -> {
    t.a.always(new ScriptedHttpServer.Slow(400));
    t.b.always(new ScriptedHttpServer.Slow(400));
  };

  private static final Consumer<PolicyRemovalTest> HEALTHY = t -> { };

  static Stream<Case> policies() {
    return Stream.of(
        new Case("route timeout", BOTH_SLOW,
            route(RouteAction.newBuilder().setTimeout(ms(150))), cluster(V1), plain(), cluster(V1),
            t -> assertThat(t.call()).isEqualTo("504 upstream request timeout [UT]"),
            t -> assertThat(t.call()).matches("200 [ab]")),
        new Case("per-try timeout", BOTH_SLOW,
            route(RouteAction.newBuilder().setTimeout(ms(5_000)).setRetryPolicy(retry("5xx", 1).setPerTryTimeout(ms(150)))),
            cluster(V1),
            route(RouteAction.newBuilder().setTimeout(ms(5_000)).setRetryPolicy(retry("5xx", 1))), cluster(V1),
            t -> assertThat(t.call()).isEqualTo("504 upstream request timeout [UT,URX]"),
            t -> assertThat(t.call()).matches("200 [ab]")),
        new Case("retries", t -> {
          t.a.always(status(503));
          t.b.always(status(503));
        },
            route(RouteAction.newBuilder().setRetryPolicy(retry("5xx", 2))), cluster(V1), plain(), cluster(V1),
            t -> {
              int before = t.a.requestCount() + t.b.requestCount();
              assertThat(t.call()).isEqualTo("503 status 503 [URX]");
              assertThat(t.a.requestCount() + t.b.requestCount() - before).isEqualTo(3);
            },
            t -> {
              int before = t.a.requestCount() + t.b.requestCount();
              assertThat(t.call()).isEqualTo("503 status 503");
              assertThat(t.a.requestCount() + t.b.requestCount() - before).isEqualTo(1);
            }),
        new Case("circuit breaking (max_requests)", HEALTHY,
            plain(), cluster(V1).toBuilder().setCircuitBreakers(CircuitBreakers.newBuilder()
                .addThresholds(CircuitBreakers.Thresholds.newBuilder().setMaxRequests(UInt32Value.of(0)))).build(),
            plain(), cluster(V1),
            t -> assertThat(t.call()).endsWith("[UO]").startsWith("503"),
            t -> assertThat(t.call()).matches("200 [ab]")),
        new Case("outlier detection (consecutive 5xx)", t -> t.a.always(status(500)),
            plain(), cluster(V1).toBuilder().setOutlierDetection(OutlierDetection.newBuilder()
                .setConsecutive5Xx(UInt32Value.of(3)).setMaxEjectionPercent(UInt32Value.of(50))).build(),
            plain(), cluster(V1),
            t -> {
              t.calls(10);
              assertThat(t.calls(6)).containsOnly("200 b");
            },
            t -> assertThat(t.calls(4)).contains("500 status 500", "200 b")),
        new Case("fault delay", HEALTHY,
            faulty(HTTPFault.newBuilder().setDelay(FaultDelay.newBuilder().setFixedDelay(ms(200)).setPercentage(ALL)).build()),
            cluster(V1), plain(), cluster(V1),
            t -> assertThat(t.call()).matches("200 [ab] \\[DI]"),
            t -> assertThat(t.call()).matches("200 [ab]")),
        new Case("fault abort", HEALTHY,
            faulty(HTTPFault.newBuilder().setAbort(FaultAbort.newBuilder().setHttpStatus(418).setPercentage(ALL)).build()),
            cluster(V1), plain(), cluster(V1),
            t -> assertThat(t.call()).startsWith("418").endsWith("[FI]"),
            t -> assertThat(t.call()).matches("200 [ab]")),
        new Case("mirroring", t -> { },
            route(RouteAction.newBuilder().addRequestMirrorPolicies(RouteAction.RequestMirrorPolicy.newBuilder()
                .setCluster(SHADOW))), cluster(V1).toBuilder().build(), plain(), cluster(V1),
            t -> {
              int shadowed = t.shadowCount();
              t.call();
              await().atMost(Duration.ofSeconds(5)).until(() -> t.shadowCount() == shadowed + 1);
            },
            t -> {
              int shadowed = t.shadowCount();
              t.calls(5);
              // a mirror is fire-and-forget: hold the count for a while to see that none arrives
              await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                  .until(() -> t.shadowCount() == shadowed);
            }));
  }

  /** Requests that reached a backend with the {@code -shadow} Host. */
  int shadowCount() {
    return (int) Stream.concat(a.requests().stream(), b.requests().stream())
        .filter(h -> "reviews-shadow:9080".equals(h.get("host"))).count();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("policies")
  void actsThenStopsActingWhenRemoved(Case c) throws Exception {
    c.misbehave().accept(this);
    publish(c.withRoute(), c.withCluster());
    mesh.connect();
    c.acts().verify(this);

    publish(c.withoutRoute(), c.withoutCluster());
    String version = mesh.publishedVersion();
    await().atMost(Duration.ofSeconds(10)).until(() -> version.equals(mesh.ackedVersion(TypeUrls.ROUTE_CONFIGURATION))
        && version.equals(mesh.ackedVersion(TypeUrls.CLUSTER)));
    c.idle().verify(this);
  }
}
