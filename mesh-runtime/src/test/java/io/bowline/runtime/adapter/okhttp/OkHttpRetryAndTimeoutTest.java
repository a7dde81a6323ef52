package io.bowline.runtime.adapter.okhttp;

import static io.bowline.runtime.adapter.okhttp.ResilienceFixture.FQDN;
import static io.bowline.runtime.adapter.okhttp.ResilienceFixture.V1;
import static io.bowline.runtime.adapter.okhttp.ResilienceFixture.cluster;
import static io.bowline.runtime.testing.EnvoyResources.prefix;
import static io.bowline.runtime.testing.ScriptedHttpServer.HANG;
import static io.bowline.runtime.testing.ScriptedHttpServer.RESET;
import static io.bowline.runtime.testing.ScriptedHttpServer.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import io.bowline.runtime.testing.ScriptedHttpServer;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Route timeout, per-try timeout and retries (spec §3, §4) over a real ADS stream against real
 * loopback servers that fail N times, hang or reset.
 */
class OkHttpRetryAndTimeoutTest {
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

  static Route route(RouteAction.Builder action) {
    return Route.newBuilder().setMatch(prefix("")).setRoute(action.setCluster(V1)).build();
  }

  static RetryPolicy.Builder retry(String on, int n) {
    return RetryPolicy.newBuilder().setRetryOn(on).setNumRetries(UInt32Value.of(n))
        .setRetryBackOff(RetryPolicy.RetryBackOff.newBuilder().setBaseInterval(ms(1)).setMaxInterval(ms(2)));
  }

  static Duration ms(long ms) {
    return Duration.newBuilder().setSeconds(ms / 1000).setNanos((int) (ms % 1000) * 1_000_000).build();
  }

  private Response get() throws IOException {
    return mesh.http.newCall(new Request.Builder().url("http://reviews:9080/reviews/0").build()).execute();
  }

  private String call() throws IOException {
    try (Response r = get()) {
      String flags = r.header(MeshInterceptor.RESPONSE_FLAGS_HEADER);
      return r.code() + " " + r.body().string() + (flags == null ? "" : " [" + flags + "]");
    }
  }

  @Test
  void retriesA5xxUntilItSucceedsAndCountsAttempts() throws Exception {
    a.then(status(503), status(500));
    mesh.publish(route(RouteAction.newBuilder().setRetryPolicy(retry("5xx", 2))), cluster(V1), new int[] {a.port()});
    mesh.connect();

    assertThat(call()).isEqualTo("200 a");
    assertThat(a.requests()).extracting(r -> r.get("x-envoy-attempt-count")).containsExactly("1", "2", "3");
  }

  @Test
  void exhaustedRetriesReturnTheLastResponseWithUrx() throws Exception {
    a.always(status(503));
    mesh.publish(route(RouteAction.newBuilder().setRetryPolicy(retry("gateway-error", 1))), cluster(V1), new int[] {a.port()});
    mesh.connect();

    assertThat(call()).isEqualTo("503 status 503 [URX]");
    assertThat(a.requestCount()).isEqualTo(2);
  }

  @Test
  void noPolicyNoRetryAndRetriesStopWhenThePolicyIsRemoved() throws Exception {
    a.then(status(503));
    mesh.publish(route(RouteAction.newBuilder().setRetryPolicy(retry("5xx", 1))), cluster(V1), new int[] {a.port()});
    mesh.connect();
    assertThat(call()).isEqualTo("200 a");

    mesh.publish(route(RouteAction.newBuilder()), cluster(V1), new int[] {a.port()});
    await().atMost(java.time.Duration.ofSeconds(10)).untilAsserted(() -> {
      a.then(status(503));
      assertThat(call()).isEqualTo("503 status 503");
    });
  }

  @Test
  void statusNotInRetryOnIsNotRetried() throws Exception {
    a.then(status(500));
    mesh.publish(route(RouteAction.newBuilder().setRetryPolicy(retry("gateway-error,retriable-4xx", 3))), cluster(V1), new int[] {a.port()});
    mesh.connect();
    assertThat(call()).isEqualTo("500 status 500");
    assertThat(a.requestCount()).isEqualTo(1);
  }

  @Test
  void retriableStatusCodesAndRetriable4xx() throws Exception {
    a.then(status(409), status(418));
    mesh.publish(route(RouteAction.newBuilder().setRetryPolicy(
        retry("retriable-4xx,retriable-status-codes", 3).addRetriableStatusCodes(418))), cluster(V1), new int[] {a.port()});
    mesh.connect();
    assertThat(call()).isEqualTo("200 a");
    assertThat(a.requestCount()).isEqualTo(3);
  }

  @Test
  void resetIsRetriedOnAnotherHost() throws Exception {
    a.always(RESET);
    mesh.publish(route(RouteAction.newBuilder().setRetryPolicy(retry("reset", 1)
        .addRetryHostPredicate(RetryPolicy.RetryHostPredicate.newBuilder()
            .setName("envoy.retry_host_predicates.previous_hosts")
            .setTypedConfig(com.google.protobuf.Any.pack(PreviousHostsPredicate.getDefaultInstance())))
        .setHostSelectionRetryMaxAttempts(5))), cluster(V1), new int[] {a.port(), b.port()});
    mesh.connect();
    for (int i = 0; i < 20; i++) {
      assertThat(call()).isEqualTo("200 b");
    }
  }

  @Test
  void connectFailureToADeadEndpointIsRetried() throws Exception {
    int dead;
    try (ServerSocket s = new ServerSocket(0)) {
      dead = s.getLocalPort();
    }
    mesh.publish(route(RouteAction.newBuilder().setRetryPolicy(retry("connect-failure", 2))), cluster(V1), new int[] {dead, a.port()});
    mesh.connect();
    for (int i = 0; i < 10; i++) {
      assertThat(call()).isEqualTo("200 a");
    }
  }

  @Test
  void deadEndpointWithoutRetriesIsALocal503WithUf() throws Exception {
    int dead;
    try (ServerSocket s = new ServerSocket(0)) {
      dead = s.getLocalPort();
    }
    mesh.publish(route(RouteAction.newBuilder()), cluster(V1), new int[] {dead});
    mesh.connect();
    assertThat(call()).startsWith("503 upstream connect error").endsWith("[UF]");
  }

  @Test
  void routeTimeoutAnswers504UtAndCoversRetries() throws Exception {
    a.always(HANG);
    mesh.publish(route(RouteAction.newBuilder().setTimeout(ms(300)).setRetryPolicy(retry("5xx", 5))), cluster(V1), new int[] {a.port()});
    mesh.connect();
    long start = System.nanoTime();
    assertThat(call()).isEqualTo("504 upstream request timeout [UT]");
    long tookMs = (System.nanoTime() - start) / 1_000_000;
    assertThat(tookMs).isBetween(250L, 3_000L);
    assertThat(a.requestCount()).isEqualTo(1);
  }

  @Test
  void zeroTimeoutMeansNoMeshTimeout() throws Exception {
    a.then(HANG);
    mesh.publish(route(RouteAction.newBuilder().setTimeout(ms(0))), cluster(V1), new int[] {a.port()});
    mesh.connect(new okhttp3.OkHttpClient.Builder().readTimeout(java.time.Duration.ofMillis(700)));
    long start = System.nanoTime();
    // only OkHttp's own read timeout (700 ms) cuts the hanging call
    assertThat(call()).endsWith("[UT]");
    assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(650L);
  }

  @Test
  void perTryTimeoutRetriesAHangingAttempt() throws Exception {
    a.then(HANG);
    mesh.publish(route(RouteAction.newBuilder().setTimeout(ms(5_000))
        .setRetryPolicy(retry("reset", 1).setPerTryTimeout(ms(200)))), cluster(V1), new int[] {a.port()});
    mesh.connect();
    assertThat(call()).isEqualTo("200 a");
    assertThat(a.requestCount()).isEqualTo(2);
  }

  @Test
  void perTryTimeoutOnTheLastAttemptIsUt() throws Exception {
    a.always(HANG);
    mesh.publish(route(RouteAction.newBuilder().setTimeout(ms(5_000))
        .setRetryPolicy(retry("5xx", 1).setPerTryTimeout(ms(150)))), cluster(V1), new int[] {a.port()});
    mesh.connect();
    assertThat(call()).isEqualTo("504 upstream request timeout [UT,URX]");
  }

  @Test
  void oneShotBodiesAreNotRetriedBufferedOnesAre() throws Exception {
    a.then(status(503), status(503));
    mesh.publish(route(RouteAction.newBuilder().setRetryPolicy(retry("5xx", 1))), cluster(V1), new int[] {a.port()});
    mesh.connect();
    RequestBody oneShot = new RequestBody() {
      @Override
      public MediaType contentType() {
        return MediaType.get("text/plain");
      }

      @Override
      public void writeTo(BufferedSink sink) throws IOException {
        sink.writeUtf8("once");
      }

      @Override
      public long contentLength() {
        return 4;
      }

      @Override
      public boolean isOneShot() {
        return true;
      }
    };
    try (Response r = mesh.http.newCall(new Request.Builder().url("http://reviews:9080/r").post(oneShot).build()).execute()) {
      assertThat(r.code()).isEqualTo(503);
    }
    try (Response r = mesh.http.newCall(new Request.Builder().url("http://reviews:9080/r")
        .post(RequestBody.create("again", MediaType.get("text/plain"))).build()).execute()) {
      assertThat(r.code()).isEqualTo(200);
    }
    List<Map<String, String>> seen = a.requests();
    assertThat(seen).extracting(m -> m.get(":body")).containsExactly("once", "again", "again");
  }
}
