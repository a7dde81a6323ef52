package io.bowline.runtime.adapter.okhttp;

import static io.bowline.runtime.adapter.okhttp.OkHttpRetryAndTimeoutTest.retry;
import static io.bowline.runtime.adapter.okhttp.OkHttpRetryAndTimeoutTest.route;
import static io.bowline.runtime.adapter.okhttp.ResilienceFixture.V1;
import static io.bowline.runtime.adapter.okhttp.ResilienceFixture.cluster;
import static io.bowline.runtime.testing.ScriptedHttpServer.HANG;
import static io.bowline.runtime.testing.ScriptedHttpServer.status;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.UInt32Value;
import io.bowline.runtime.testing.ScriptedHttpServer;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Circuit breaking (spec §8): max_requests overflow → 503 UO + x-envoy-overloaded; max_retries. */
class OkHttpCircuitBreakerTest {
  private ResilienceFixture mesh;
  private ScriptedHttpServer a;
  private final ExecutorService pool = Executors.newFixedThreadPool(2);

  @BeforeEach
  void setUp() throws Exception {
    mesh = new ResilienceFixture();
    a = new ScriptedHttpServer("a");
  }

  @AfterEach
  void tearDown() throws Exception {
    pool.shutdownNow();
    a.close();
    mesh.close();
  }

  static Cluster limited(CircuitBreakers.Thresholds.Builder t) {
    return cluster(V1).toBuilder().setCircuitBreakers(CircuitBreakers.newBuilder().addThresholds(t)).build();
  }

  @Test
  void overflowIsA503WithUoAndStopsWhenTheLimitIsRaised() throws Exception {
    a.then(HANG);
    mesh.publish(route(RouteAction.newBuilder()),
        limited(CircuitBreakers.Thresholds.newBuilder().setMaxRequests(UInt32Value.of(1))), new int[] {a.port()});
    mesh.connect();
    CompletableFuture<Integer> hanging = CompletableFuture.supplyAsync(() -> {
      try (Response r = mesh.http.newCall(new Request.Builder().url("http://reviews:9080/slow").build()).execute()) {
        return r.code();
      } catch (java.io.IOException e) {
        return -1;
      }
    }, pool);
    await().atMost(Duration.ofSeconds(10)).until(() -> a.requestCount() == 1);

    try (Response r = mesh.http.newCall(new Request.Builder().url("http://reviews:9080/fast").build()).execute()) {
      assertThat(r.code()).isEqualTo(503);
      assertThat(r.header(MeshInterceptor.OVERLOADED_HEADER)).isEqualTo("true");
      assertThat(r.header(MeshInterceptor.RESPONSE_FLAGS_HEADER)).isEqualTo("UO");
    }
    assertThat(a.requestCount()).isEqualTo(1);

    mesh.publish(route(RouteAction.newBuilder()),
        limited(CircuitBreakers.Thresholds.newBuilder().setMaxRequests(UInt32Value.of(10))), new int[] {a.port()});
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      try (Response r = mesh.http.newCall(new Request.Builder().url("http://reviews:9080/fast").build()).execute()) {
        assertThat(r.code()).isEqualTo(200);
      }
    });
    a.close();
    assertThat(hanging.get()).isNotEqualTo(200);
  }

  @Test
  void maxRetriesZeroMeansNoRetryAndUrx() throws Exception {
    a.then(status(503));
    mesh.publish(route(RouteAction.newBuilder().setRetryPolicy(retry("5xx", 3))),
        limited(CircuitBreakers.Thresholds.newBuilder().setMaxRetries(UInt32Value.of(0))), new int[] {a.port()});
    mesh.connect();
    try (Response r = mesh.http.newCall(new Request.Builder().url("http://reviews:9080/").build()).execute()) {
      assertThat(r.code()).isEqualTo(503);
      assertThat(r.header(MeshInterceptor.RESPONSE_FLAGS_HEADER)).isEqualTo("URX");
    }
    assertThat(a.requestCount()).isEqualTo(1);
  }
}
