package io.bowline.runtime.adapter.okhttp;

import static io.bowline.runtime.adapter.okhttp.OkHttpRetryAndTimeoutTest.ms;
import static io.bowline.runtime.adapter.okhttp.ResilienceFixture.V1;
import static io.bowline.runtime.adapter.okhttp.ResilienceFixture.cluster;
import static io.bowline.runtime.testing.EnvoyResources.prefix;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import io.bowline.runtime.testing.ScriptedHttpServer;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultDelay;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.io.IOException;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Fault injection (spec §5): delay and abort from per-route {@code HTTPFault}, DI / FI. */
class OkHttpFaultInjectionTest {
  private ResilienceFixture mesh;
  private ScriptedHttpServer a;

  @BeforeEach
  void setUp() throws Exception {
    mesh = new ResilienceFixture();
    a = new ScriptedHttpServer("a");
  }

  @AfterEach
  void tearDown() throws Exception {
    a.close();
    mesh.close();
  }

  static FractionalPercent pct(int n, FractionalPercent.DenominatorType d) {
    return FractionalPercent.newBuilder().setNumerator(n).setDenominator(d).build();
  }

  static Route faulty(HTTPFault fault) {
    return Route.newBuilder().setMatch(prefix(""))
        .setRoute(RouteAction.newBuilder().setCluster(V1))
        .putTypedPerFilterConfig("envoy.filters.http.fault", Any.pack(fault))
        .build();
  }

  private String call(String... headers) throws IOException {
    Request.Builder b = new Request.Builder().url("http://reviews:9080/ratings/0");
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    try (Response r = mesh.http.newCall(b.build()).execute()) {
      String flags = r.header(MeshInterceptor.RESPONSE_FLAGS_HEADER);
      return r.code() + (flags == null ? "" : " [" + flags + "]");
    }
  }

  /** The listener with its fault filter (the first, before the router) configured as {@code fault}. */
  static io.envoyproxy.envoy.config.listener.v3.Listener withHcmFault(
      io.envoyproxy.envoy.config.listener.v3.Listener l, HTTPFault fault) {
    try {
      var hcm = l.getApiListener().getApiListener().unpack(
          io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager.class);
      hcm = hcm.toBuilder().setHttpFilters(0,
          io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter.newBuilder()
              .setName("envoy.filters.http.fault").setTypedConfig(Any.pack(fault))).build();
      return l.toBuilder().setApiListener(l.getApiListener().toBuilder().setApiListener(Any.pack(hcm))).build();
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void theHcmFaultIsTheDefaultForRoutesWithoutTheirOwnAndStopsWhenRemoved() throws Exception {
    HTTPFault hcmAbort = HTTPFault.newBuilder().setAbort(FaultAbort.newBuilder().setHttpStatus(503)
        .setPercentage(pct(100, FractionalPercent.DenominatorType.HUNDRED))).build();
    mesh.listenerEdit = l -> withHcmFault(l, hcmAbort);
    Route plain = Route.newBuilder().setMatch(prefix("")).setRoute(RouteAction.newBuilder().setCluster(V1)).build();
    mesh.publish(plain, cluster(V1), new int[] {a.port()});
    mesh.connect();
    assertThat(call()).isEqualTo("503 [FI]");
    assertThat(a.requestCount()).isZero();

    // a per-route fault replaces the filter's (Envoy's precedence): here a 418 abort
    mesh.publish(faulty(HTTPFault.newBuilder().setAbort(FaultAbort.newBuilder().setHttpStatus(418)
        .setPercentage(pct(100, FractionalPercent.DenominatorType.HUNDRED))).build()), cluster(V1), new int[] {a.port()});
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> call().equals("418 [FI]"));
    // so does a per-route config that injects nothing
    mesh.publish(faulty(HTTPFault.getDefaultInstance()), cluster(V1), new int[] {a.port()});
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> call().equals("200"));
    mesh.publish(plain, cluster(V1), new int[] {a.port()});
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> call().equals("503 [FI]"));

    mesh.listenerEdit = l -> l;
    mesh.publish(plain, cluster(V1), new int[] {a.port()});
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> call().equals("200"));
  }

  @Test
  void abortAnswersLocallyWithFiAndStopsWhenRemoved() throws Exception {
    mesh.publish(faulty(HTTPFault.newBuilder().setAbort(FaultAbort.newBuilder().setHttpStatus(500)
        .setPercentage(pct(100, FractionalPercent.DenominatorType.HUNDRED))).build()), cluster(V1), new int[] {a.port()});
    mesh.connect();
    assertThat(call()).isEqualTo("500 [FI]");
    assertThat(a.requestCount()).isZero();

    mesh.publish(Route.newBuilder().setMatch(prefix("")).setRoute(RouteAction.newBuilder().setCluster(V1)).build(),
        cluster(V1), new int[] {a.port()});
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> call().equals("200"));
  }

  @Test
  void delayHoldsTheRequestThenForwardsItWithDi() throws Exception {
    mesh.publish(faulty(HTTPFault.newBuilder().setDelay(FaultDelay.newBuilder().setFixedDelay(ms(300))
        .setPercentage(pct(1_000_000, FractionalPercent.DenominatorType.MILLION))).build()), cluster(V1), new int[] {a.port()});
    mesh.connect();
    long start = System.nanoTime();
    assertThat(call()).isEqualTo("200 [DI]");
    assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(300L);
    assertThat(a.requestCount()).isEqualTo(1);
  }

  @Test
  void unsetPercentageNeverFires() throws Exception {
    mesh.publish(faulty(HTTPFault.newBuilder().setAbort(FaultAbort.newBuilder().setHttpStatus(500)).build()),
        cluster(V1), new int[] {a.port()});
    mesh.connect();
    for (int i = 0; i < 20; i++) {
      assertThat(call()).isEqualTo("200");
    }
  }

  @Test
  void headerControlledAbortAndHeaderMatchers() throws Exception {
    mesh.publish(faulty(HTTPFault.newBuilder()
        .setAbort(FaultAbort.newBuilder().setHeaderAbort(FaultAbort.HeaderAbort.getDefaultInstance())
            .setPercentage(pct(100, FractionalPercent.DenominatorType.HUNDRED)))
        .addHeaders(io.envoyproxy.envoy.config.route.v3.HeaderMatcher.newBuilder().setName("end-user")
            .setStringMatch(io.envoyproxy.envoy.type.matcher.v3.StringMatcher.newBuilder().setExact("jason")))
        .build()), cluster(V1), new int[] {a.port()});
    mesh.connect();
    assertThat(call("end-user", "jason", "x-envoy-fault-abort-request", "503")).isEqualTo("503 [FI]");
    assertThat(call("end-user", "alice", "x-envoy-fault-abort-request", "503")).isEqualTo("200");
    assertThat(call("end-user", "jason")).isEqualTo("200");
    assertThat(call("end-user", "jason", "x-envoy-fault-abort-request", "503",
        "x-envoy-fault-abort-request-percentage", "0")).isEqualTo("200");
  }

  @Test
  void fractionalAbortFiresAtItsRate() throws Exception {
    mesh.publish(faulty(HTTPFault.newBuilder().setAbort(FaultAbort.newBuilder().setHttpStatus(503)
        .setPercentage(pct(50, FractionalPercent.DenominatorType.HUNDRED))).build()), cluster(V1), new int[] {a.port()});
    mesh.connect();
    int n = 400;
    int aborted = 0;
    for (int i = 0; i < n; i++) {
      if (call().startsWith("503")) {
        aborted++;
      }
    }
    // binomial(400, 0.5): mean 200, sd 10; ±5 sd
    assertThat(aborted).isBetween(150, 250);
  }
}
