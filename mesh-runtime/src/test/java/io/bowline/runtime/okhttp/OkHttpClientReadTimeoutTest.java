package io.bowline.runtime.okhttp;

import static io.bowline.runtime.okhttp.OkHttpRetryAndTimeoutTest.ms;
import static io.bowline.runtime.okhttp.OkHttpRetryAndTimeoutTest.route;
import static io.bowline.runtime.okhttp.ResilienceFixture.V1;
import static io.bowline.runtime.okhttp.ResilienceFixture.cluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bowline.runtime.testing.ScriptedHttpServer;
import io.bowline.runtime.testing.ScriptedHttpServer.TrickleBody;
import io.bowline.runtime.testing.ScriptedHttpServer.TrickleHeaders;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The OkHttp client's own read timeout under the mesh, on HTTP/1.1 and without a route timeout:
 * until the response headers it is a deadline on the mesh's watchdog (okio's per-read timeouts are
 * off there, see {@link OkHttpTransport}); on the body it bounds each read, as in OkHttp.
 */
class OkHttpClientReadTimeoutTest {
  private ResilienceFixture mesh;
  private ScriptedHttpServer a;

  @BeforeEach
  void setUp() throws Exception {
    mesh = new ResilienceFixture();
    a = new ScriptedHttpServer("a");
    mesh.publish(route(RouteAction.newBuilder().setTimeout(ms(0))), cluster(V1), new int[] {a.port()});
    mesh.connect(new OkHttpClient.Builder().readTimeout(Duration.ofMillis(400)));
  }

  @AfterEach
  void tearDown() throws Exception {
    a.close();
    mesh.close();
  }

  private Response get() throws IOException {
    return mesh.http.newCall(new Request.Builder().url("http://reviews:9080/").build()).execute();
  }

  private static String describe(Response r) throws IOException {
    String flags = r.header(MeshInterceptor.RESPONSE_FLAGS_HEADER);
    return r.code() + " " + r.body().string() + (flags == null ? "" : " [" + flags + "]");
  }

  private static long millisSince(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }

  @Test
  void headersTrickledPastTheReadTimeoutAreCutWith504Ut() throws Exception {
    a.always(new TrickleHeaders(50)); // every read is quick; the headers never end
    long start = System.nanoTime();
    try (Response r = get()) {
      assertThat(describe(r)).isEqualTo("504 upstream request timeout [UT]");
    }
    assertThat(millisSince(start)).isBetween(350L, 3_000L);
  }

  @Test
  void aBodyLongerThanTheReadTimeoutCompletesWhenEachReadIsQuick() throws Exception {
    a.always(new TrickleBody(8, 100)); // 0.8 s of body, 100 ms between bytes
    for (int i = 0; i < 2; i++) { // the second call runs on the pooled connection
      try (Response r = get()) {
        assertThat(describe(r)).isEqualTo("200 bbbbbbbb");
      }
    }
    assertThat(a.requestCount()).isEqualTo(2);
  }

  @Test
  void aBodyPauseLongerThanTheReadTimeoutFailsTheRead() throws Exception {
    a.always(new TrickleBody(2, 1_500));
    long start = System.nanoTime();
    try (Response r = get()) {
      assertThat(r.code()).isEqualTo(200);
      assertThatThrownBy(() -> r.body().string()).isInstanceOf(SocketTimeoutException.class);
    }
    assertThat(millisSince(start)).isBetween(350L, 1_400L);
  }

  @Test
  void aRequestWithABodyIsBoundedToo() throws Exception {
    a.always(new TrickleHeaders(50));
    long start = System.nanoTime();
    try (Response r = mesh.http.newCall(new Request.Builder().url("http://reviews:9080/")
        .post(RequestBody.create("payload", MediaType.get("text/plain"))).build()).execute()) {
      assertThat(describe(r)).isEqualTo("504 upstream request timeout [UT]");
    }
    assertThat(millisSince(start)).isBetween(350L, 3_000L);
  }
}
