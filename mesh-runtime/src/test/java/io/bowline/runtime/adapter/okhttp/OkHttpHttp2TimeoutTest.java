package io.bowline.runtime.adapter.okhttp;

import static io.bowline.runtime.adapter.okhttp.OkHttpRetryAndTimeoutTest.ms;
import static io.bowline.runtime.adapter.okhttp.OkHttpRetryAndTimeoutTest.retry;
import static io.bowline.runtime.adapter.okhttp.OkHttpRetryAndTimeoutTest.route;
import static io.bowline.runtime.adapter.okhttp.ResilienceFixture.V1;
import static io.bowline.runtime.adapter.okhttp.ResilienceFixture.cluster;
import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.route.v3.RouteAction;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Attempt timeouts against a real HTTP/2 (h2c) upstream, whose shared connection the mesh must not
 * close: the wait for a stream's headers is still bounded, only that stream is reset, and the body
 * gets the client's own read timeout back.
 */
class OkHttpHttp2TimeoutTest {
  private ResilienceFixture mesh;
  private MockWebServer h2;

  @BeforeEach
  void setUp() throws Exception {
    mesh = new ResilienceFixture();
    h2 = new MockWebServer();
    h2.setProtocols(List.of(Protocol.H2_PRIOR_KNOWLEDGE));
    h2.start(InetAddress.getByName("127.0.0.1"), 0);
  }

  @AfterEach
  void tearDown() throws Exception {
    h2.close();
    mesh.close();
  }

  private String call() throws Exception {
    try (Response r = mesh.http.newCall(new Request.Builder().url("http://reviews:9080/").build()).execute()) {
      String flags = r.header(MeshInterceptor.RESPONSE_FLAGS_HEADER);
      return r.protocol() + " " + r.code() + " " + r.body().string() + (flags == null ? "" : " [" + flags + "]");
    }
  }

  private void connect() throws Exception {
    mesh.connect(new OkHttpClient.Builder().protocols(List.of(Protocol.H2_PRIOR_KNOWLEDGE)));
  }

  @Test
  void perTryTimeoutResetsTheSlowStreamAndTheRetrySucceedsOnTheSameConnection() throws Exception {
    h2.enqueue(new MockResponse.Builder().headersDelay(10, TimeUnit.SECONDS).body("slow").build());
    h2.enqueue(new MockResponse.Builder().body("fast").build());
    mesh.publish(route(RouteAction.newBuilder().setTimeout(ms(8_000))
        .setRetryPolicy(retry("reset", 1).setPerTryTimeout(ms(300)))), cluster(V1), new int[] {h2.getPort()});
    connect();
    long start = System.nanoTime();
    assertThat(call()).isEqualTo("h2_prior_knowledge 200 fast");
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(250L, 5_000L);
    assertThat(h2.getRequestCount()).isEqualTo(2);
  }

  @Test
  void routeTimeoutBoundsTheHeadersWith504Ut() throws Exception {
    h2.enqueue(new MockResponse.Builder().headersDelay(10, TimeUnit.SECONDS).body("slow").build());
    mesh.publish(route(RouteAction.newBuilder().setTimeout(ms(400))), cluster(V1), new int[] {h2.getPort()});
    connect();
    long start = System.nanoTime();
    assertThat(call()).isEqualTo("http/1.1 504 upstream request timeout [UT]");
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(350L, 5_000L);
  }

  @Test
  void withoutARouteTimeoutTheClientsReadTimeoutBoundsTheHeaders() throws Exception {
    h2.enqueue(new MockResponse.Builder().headersDelay(10, TimeUnit.SECONDS).body("slow").build());
    mesh.publish(route(RouteAction.newBuilder().setTimeout(ms(0))), cluster(V1), new int[] {h2.getPort()});
    mesh.connect(new OkHttpClient.Builder().protocols(List.of(Protocol.H2_PRIOR_KNOWLEDGE))
        .readTimeout(java.time.Duration.ofMillis(400)));
    long start = System.nanoTime();
    assertThat(call()).isEqualTo("http/1.1 504 upstream request timeout [UT]");
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(350L, 5_000L);
  }

  @Test
  void aBodyPauseLongerThanThePerTryTimeoutIsNotCut() throws Exception {
    h2.enqueue(new MockResponse.Builder().bodyDelay(600, TimeUnit.MILLISECONDS).body("late body").build());
    mesh.publish(route(RouteAction.newBuilder().setTimeout(ms(5_000))
        .setRetryPolicy(retry("reset", 1).setPerTryTimeout(ms(250)))), cluster(V1), new int[] {h2.getPort()});
    connect();
    assertThat(call()).isEqualTo("h2_prior_knowledge 200 late body");
    assertThat(h2.getRequestCount()).isEqualTo(1);
  }
}
