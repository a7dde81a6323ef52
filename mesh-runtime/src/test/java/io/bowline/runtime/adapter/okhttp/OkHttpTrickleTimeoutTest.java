package io.bowline.runtime.adapter.okhttp;

import static io.bowline.runtime.adapter.okhttp.OkHttpRetryAndTimeoutTest.ms;
import static io.bowline.runtime.adapter.okhttp.OkHttpRetryAndTimeoutTest.retry;
import static io.bowline.runtime.adapter.okhttp.OkHttpRetryAndTimeoutTest.route;
import static io.bowline.runtime.adapter.okhttp.ResilienceFixture.V1;
import static io.bowline.runtime.adapter.okhttp.ResilienceFixture.cluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bowline.runtime.testing.ScriptedHttpServer;
import io.bowline.runtime.testing.ScriptedHttpServer.Slow;
import io.bowline.runtime.testing.ScriptedHttpServer.TrickleBody;
import io.bowline.runtime.testing.ScriptedHttpServer.TrickleHeaders;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Route timeout, {@code per_try_timeout} and {@code max_stream_duration} against a real loopback
 * upstream that trickles its headers or its body a byte at a time, which OkHttp's per-read
 * timeouts never cut; and the client's own read timeout, which on HTTP/1.1 the mesh enforces as a
 * deadline until the headers and per read on the body.
 */
class OkHttpTrickleTimeoutTest {
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

  private Response get() throws IOException {
    return mesh.http.newCall(new Request.Builder().url("http://reviews:9080/").build()).execute();
  }

  private String call() throws IOException {
    try (Response r = get()) {
      String flags = r.header(MeshInterceptor.RESPONSE_FLAGS_HEADER);
      return r.code() + " " + r.body().string() + (flags == null ? "" : " [" + flags + "]");
    }
  }

  private static long millisSince(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }

  @Test
  void routeTimeoutCutsTrickledHeadersWith504Ut() throws Exception {
    a.always(new TrickleHeaders(50));
    mesh.publish(route(RouteAction.newBuilder().setTimeout(ms(400))), cluster(V1), new int[] {a.port()});
    mesh.connect();
    long start = System.nanoTime();
    assertThat(call()).isEqualTo("504 upstream request timeout [UT]");
    assertThat(millisSince(start)).isBetween(350L, 3_000L);
  }

  @Test
  void perTryTimeoutCutsTrickledHeadersThenTheRetrySucceeds() throws Exception {
    a.then(new TrickleHeaders(50));
    // the per-try timeout also bounds the retry, whose headers come at once: 1 s, not 300 ms, lets them in at load
    mesh.publish(route(RouteAction.newBuilder().setTimeout(ms(5_000))
        .setRetryPolicy(retry("reset", 1).setPerTryTimeout(ms(1_000)))), cluster(V1), new int[] {a.port()});
    mesh.connect();
    long start = System.nanoTime();
    assertThat(call()).isEqualTo("200 a");
    assertThat(millisSince(start)).isBetween(950L, 4_000L);
    assertThat(a.requests()).extracting(r -> r.get("x-envoy-attempt-count")).containsExactly("1", "2");
  }

  @Test
  void perTryTimeoutOnEveryAttemptEndsIn504UtUrx() throws Exception {
    a.always(new TrickleHeaders(50));
    mesh.publish(route(RouteAction.newBuilder().setTimeout(ms(5_000))
        .setRetryPolicy(retry("5xx", 1).setPerTryTimeout(ms(250)))), cluster(V1), new int[] {a.port()});
    mesh.connect();
    long start = System.nanoTime();
    assertThat(call()).isEqualTo("504 upstream request timeout [UT,URX]");
    assertThat(millisSince(start)).isBetween(450L, 4_000L);
    assertThat(a.requestCount()).isEqualTo(2);
  }

  @Test
  void routeTimeoutCutsATrickledBodyAfterTheHeaders() throws Exception {
    a.always(new TrickleBody(200, 50)); // 10 s of body
    mesh.publish(route(RouteAction.newBuilder().setTimeout(ms(600))), cluster(V1), new int[] {a.port()});
    mesh.connect();
    long start = System.nanoTime();
    try (Response r = get()) {
      assertThat(r.code()).isEqualTo(200);
      assertThatThrownBy(() -> r.body().string()).isInstanceOf(SocketTimeoutException.class);
    }
    assertThat(millisSince(start)).isBetween(550L, 4_000L);
  }

  @Test
  void perTryTimeoutStopsAtTheHeadersSoASlowBodyCompletes() throws Exception {
    // 1.6 s of body, more than the 800 ms per-try timeout, which the headers (sent at once) must beat: at load they
    // missed a 200 ms one and the call was retried
    a.always(new TrickleBody(8, 200));
    mesh.publish(route(RouteAction.newBuilder().setTimeout(ms(5_000))
        .setRetryPolicy(retry("5xx", 1).setPerTryTimeout(ms(800)))), cluster(V1), new int[] {a.port()});
    mesh.connect();
    assertThat(call()).isEqualTo("200 bbbbbbbb");
    assertThat(call()).isEqualTo("200 bbbbbbbb"); // the pooled connection's deadline was cleared
    assertThat(a.requestCount()).isEqualTo(2);
  }

  @Test
  void maxStreamDurationCutsTrickledHeadersWith408Umsdr() throws Exception {
    a.always(new TrickleHeaders(50));
    mesh.publish(route(RouteAction.newBuilder().setTimeout(ms(0)).setMaxStreamDuration(
        RouteAction.MaxStreamDuration.newBuilder().setMaxStreamDuration(ms(400)))), cluster(V1), new int[] {a.port()});
    mesh.connect();
    long start = System.nanoTime();
    assertThat(call()).isEqualTo("408 downstream duration timeout [UMSDR]");
    assertThat(millisSince(start)).isBetween(350L, 3_000L);
  }

  @Test
  void maxStreamDurationReplacesTheRouteTimeoutAsInEnvoy() throws Exception {
    a.always(new Slow(500));
    mesh.publish(route(RouteAction.newBuilder().setTimeout(ms(200)).setMaxStreamDuration(
        RouteAction.MaxStreamDuration.newBuilder().setMaxStreamDuration(ms(3_000)))), cluster(V1), new int[] {a.port()});
    mesh.connect();
    assertThat(call()).isEqualTo("200 a");
  }

  @Test
  void aMaxStreamDurationMessageWithOnlyTheGrpcHeaderMaxStillSwitchesTheRouteTimeoutOff() throws Exception {
    a.always(new Slow(500));
    mesh.publish(route(RouteAction.newBuilder().setTimeout(ms(200)).setMaxStreamDuration(
        RouteAction.MaxStreamDuration.newBuilder().setGrpcTimeoutHeaderMax(ms(100)))), cluster(V1), new int[] {a.port()});
    mesh.connect();
    assertThat(call()).isEqualTo("200 a"); // no stream cap for HTTP, and timeout ignored
  }

  /** The client's own read timeout (400 ms), with no route timeout, on HTTP/1.1 (see {@link OkHttpAttempts}). */
  private void connectWithReadTimeout() throws Exception {
    connectWithReadTimeout(400);
  }

  /**
   * As {@link #connectWithReadTimeout()} with a read timeout of {@code millis}: the tests whose upstream answers its
   * headers at once give them 1-2 s (which also bounds the wait for the headers), as 400 ms were too few at load.
   */
  private void connectWithReadTimeout(long millis) throws Exception {
    mesh.publish(route(RouteAction.newBuilder().setTimeout(ms(0))), cluster(V1), new int[] {a.port()});
    mesh.connect(new OkHttpClient.Builder().readTimeout(Duration.ofMillis(millis)));
  }

  @Test
  void theClientsReadTimeoutIsADeadlineUntilTheHeaders() throws Exception {
    a.always(new TrickleHeaders(50)); // every read is quick; the headers never end
    connectWithReadTimeout();
    long start = System.nanoTime();
    assertThat(call()).isEqualTo("504 upstream request timeout [UT]");
    assertThat(millisSince(start)).isBetween(350L, 3_000L);
  }

  @Test
  void theClientsReadTimeoutBoundsARequestWithABodyToo() throws Exception {
    a.always(new TrickleHeaders(50));
    connectWithReadTimeout();
    long start = System.nanoTime();
    try (Response r = mesh.http.newCall(new Request.Builder().url("http://reviews:9080/")
        .post(RequestBody.create("payload", MediaType.get("text/plain"))).build()).execute()) {
      assertThat(r.code()).isEqualTo(504);
    }
    assertThat(millisSince(start)).isBetween(350L, 3_000L);
  }

  @Test
  void aBodyLongerThanTheClientsReadTimeoutCompletesWhenEachReadIsQuick() throws Exception {
    // 2.4 s of body, 400 ms between bytes, against a 2 s read timeout (with 1 s, a read waited longer twice in 23
    // runs at load 35-40)
    a.always(new TrickleBody(6, 400));
    connectWithReadTimeout(2_000);
    assertThat(call()).isEqualTo("200 bbbbbb");
    assertThat(call()).isEqualTo("200 bbbbbb"); // on the pooled connection
    assertThat(a.requestCount()).isEqualTo(2);
  }

  @Test
  void aBodyPauseLongerThanTheClientsReadTimeoutFailsTheRead() throws Exception {
    a.always(new TrickleBody(2, 5_000)); // the first byte after 5 s, well past the 1 s read timeout
    connectWithReadTimeout(1_000);
    long start = System.nanoTime();
    try (Response r = get()) {
      assertThat(r.code()).isEqualTo(200);
      assertThatThrownBy(() -> r.body().string()).isInstanceOf(SocketTimeoutException.class);
    }
    assertThat(millisSince(start)).isBetween(950L, 4_000L); // cut by the read timeout, before the byte came
  }

  @Test
  void timeTheCallerSpendsBetweenBodyReadsDoesNotCountAgainstTheReadTimeout() throws Exception {
    a.always(new TrickleBody(2, 150)); // one byte at 150 ms, the other at 300 ms
    connectWithReadTimeout(1_000);
    try (Response r = get()) {
      assertThat(r.code()).isEqualTo(200);
      okio.BufferedSource body = r.body().source();
      assertThat(body.readByte()).isEqualTo((byte) 'b');
      Thread.sleep(1_500); // the caller's own work, longer than the 1 s read timeout: not a synchronisation
      assertThat(body.readByte()).isEqualTo((byte) 'b');
      assertThat(body.exhausted()).isTrue();
    }
  }

  @Test
  void concurrentCallsSharingPooledConnectionsAllComplete() throws Exception {
    mesh.publish(route(RouteAction.newBuilder().setTimeout(ms(5_000))), cluster(V1), new int[] {a.port()});
    mesh.connect(new OkHttpClient.Builder().readTimeout(Duration.ofSeconds(2)));
    java.util.concurrent.ExecutorService callers = java.util.concurrent.Executors.newFixedThreadPool(6);
    try {
      List<java.util.concurrent.Future<Long>> done = new java.util.ArrayList<>();
      for (int t = 0; t < 6; t++) {
        done.add(callers.submit(() -> {
          long ok = 0;
          for (int i = 0; i < 150; i++) {
            if (call().equals("200 a")) {
              ok++;
            }
          }
          return ok;
        }));
      }
      for (java.util.concurrent.Future<Long> f : done) {
        assertThat(f.get(60, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(150L);
      }
    } finally {
      callers.shutdownNow();
    }
    assertThat(a.requestCount()).isEqualTo(900);
  }
}
