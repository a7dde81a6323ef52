package io.bowline.runtime.adapter.okhttp;

import static io.bowline.runtime.adapter.okhttp.OkHttpRetryAndTimeoutTest.retry;
import static io.bowline.runtime.adapter.okhttp.OkHttpRetryAndTimeoutTest.route;
import static io.bowline.runtime.adapter.okhttp.ResilienceFixture.cluster;
import static io.bowline.runtime.adapter.okhttp.ResilienceFixture.V1;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.type.v3.Percent;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * OkHttp's own follow-ups (a 408 retried once, a 503 with {@code Retry-After: 0} retried once) are
 * new routed exchanges, so the route's retry policy and the cluster's outlier detection see them as
 * Envoy would see two requests: a 5xx follow-up counts toward {@code consecutive_5xx}; a 408 is not
 * a 5xx nor a gateway failure and counts toward neither.
 */
class OkHttpFollowUpAccountingTest {
  private static final MockResponse UNAVAILABLE_RETRY_NOW =
      new MockResponse.Builder().code(503).setHeader("Retry-After", "0").build();
  private static final MockResponse REQUEST_TIMEOUT = new MockResponse.Builder().code(408).build();

  private ResilienceFixture mesh;
  private MockWebServer a;

  @BeforeEach
  void setUp() throws Exception {
    mesh = new ResilienceFixture();
    a = new MockWebServer();
    a.start();
  }

  @AfterEach
  void tearDown() throws Exception {
    a.close();
    mesh.close();
  }

  /** The only host: ejected hosts are not picked, and with no panic they answer 503 UH. */
  private static Cluster onlyHostEjectedAfter(int consecutive5xx, int consecutiveGatewayFailure) {
    return cluster(V1).toBuilder()
        .setCommonLbConfig(Cluster.CommonLbConfig.newBuilder().setHealthyPanicThreshold(Percent.newBuilder().setValue(0)))
        .setOutlierDetection(OutlierDetection.newBuilder()
            .setConsecutive5Xx(UInt32Value.of(consecutive5xx))
            .setConsecutiveGatewayFailure(UInt32Value.of(consecutiveGatewayFailure))
            .setEnforcingConsecutiveGatewayFailure(UInt32Value.of(100))
            .setMaxEjectionPercent(UInt32Value.of(100)))
        .build();
  }

  private String call() throws IOException {
    try (Response r = mesh.http.newCall(new Request.Builder().url("http://reviews:9080/reviews/0").build()).execute()) {
      String flags = r.header(MeshInterceptor.RESPONSE_FLAGS_HEADER);
      return r.code() + (flags == null ? "" : " [" + flags + "]");
    }
  }

  @Test
  void a503RetryAfterZeroFollowUpCountsAsA5xxAndEjectsTheHostAfterConsecutive5xx() throws Exception {
    a.enqueue(UNAVAILABLE_RETRY_NOW);
    a.enqueue(UNAVAILABLE_RETRY_NOW);
    mesh.publish(route(RouteAction.newBuilder()), onlyHostEjectedAfter(2, 0), new int[] {a.getPort()});
    mesh.connect();

    assertThat(call()).as("OkHttp's one follow-up, answered 503 again").isEqualTo("503");
    assertThat(a.getRequestCount()).as("the call and its follow-up").isEqualTo(2);
    assertThat(call()).as("two consecutive 5xx ejected the only host").isEqualTo("503 [UH]");
    assertThat(a.getRequestCount()).isEqualTo(2);
  }

  @Test
  void a408AndItsFollowUpCountTowardNeitherConsecutive5xxNorGatewayFailure() throws Exception {
    for (int i = 0; i < 6; i++) {
      a.enqueue(REQUEST_TIMEOUT);
    }
    mesh.publish(route(RouteAction.newBuilder()), onlyHostEjectedAfter(1, 1), new int[] {a.getPort()});
    mesh.connect();

    for (int i = 0; i < 3; i++) {
      assertThat(call()).as("OkHttp retries a 408 once, then returns the second").isEqualTo("408");
    }
    assertThat(a.getRequestCount()).as("never ejected: every call and its follow-up reached the host").isEqualTo(6);
  }

  @Test
  void a408FollowUpIsANewExchangeTheRoutesRetryPolicyRetries() throws Exception {
    a.enqueue(REQUEST_TIMEOUT);
    a.enqueue(new MockResponse.Builder().code(503).build());
    a.enqueue(new MockResponse.Builder().body("ok").build());
    mesh.publish(route(RouteAction.newBuilder().setRetryPolicy(retry("5xx", 1))), cluster(V1), new int[] {a.getPort()});
    mesh.connect();

    try (Response r = mesh.http.newCall(new Request.Builder().url("http://reviews:9080/reviews/0").build()).execute()) {
      assertThat(r.code()).isEqualTo(200);
      assertThat(r.body().string()).isEqualTo("ok");
      assertThat(r.priorResponse().code()).as("a 408 is not a 5xx: the router returned it").isEqualTo(408);
    }
    RecordedRequest first = a.takeRequest(5, TimeUnit.SECONDS);
    RecordedRequest followUp = a.takeRequest(5, TimeUnit.SECONDS);
    RecordedRequest retried = a.takeRequest(5, TimeUnit.SECONDS);
    assertThat(first.getHeaders().get("x-envoy-attempt-count")).isEqualTo("1");
    assertThat(followUp.getHeaders().get("x-envoy-attempt-count")).as("a new exchange starts at 1").isEqualTo("1");
    assertThat(retried.getHeaders().get("x-envoy-attempt-count")).as("the router's retry of the follow-up")
        .isEqualTo("2");
  }
}
