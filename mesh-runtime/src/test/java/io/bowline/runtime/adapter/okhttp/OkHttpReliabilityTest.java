package io.bowline.runtime.adapter.okhttp;

import static io.bowline.runtime.adapter.okhttp.OkHttpRetryAndTimeoutTest.retry;
import static io.bowline.runtime.adapter.okhttp.OkHttpRetryAndTimeoutTest.route;
import static io.bowline.runtime.adapter.okhttp.ResilienceFixture.V1;
import static io.bowline.runtime.adapter.okhttp.ResilienceFixture.cluster;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import io.bowline.runtime.testing.ScriptedHttpServer;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate;
import java.net.ServerSocket;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.ArrayList;
import java.util.List;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

/**
 * One of three endpoints dead or flapping under a steady stream of idempotent GETs: retries (with
 * previous_hosts) and outlier ejection keep ≥ 99.9 % of them successful.
 */
class OkHttpReliabilityTest {
  private static final int REQUESTS = 3_000;

  private static RouteAction.Builder retries() {
    return RouteAction.newBuilder().setRetryPolicy(retry("5xx", 2)
        .addRetryHostPredicate(RetryPolicy.RetryHostPredicate.newBuilder()
            .setName("envoy.retry_host_predicates.previous_hosts")
            .setTypedConfig(Any.pack(PreviousHostsPredicate.getDefaultInstance())))
        .setHostSelectionRetryMaxAttempts(5));
  }

  /**
   * Outlier detection as a DestinationRule would set it, and Istio's circuit-breaker thresholds
   * (2^32−1: with Envoy's default max_retries of 3, concurrent retries overflow and fail fast, as
   * Envoy would).
   */
  private static Cluster ejecting() {
    return cluster(V1).toBuilder()
        .setOutlierDetection(OutlierDetection.newBuilder()
            .setConsecutive5Xx(UInt32Value.of(5)).setMaxEjectionPercent(UInt32Value.of(34)))
        .setCircuitBreakers(io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers.newBuilder()
            .addThresholds(io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers.Thresholds.newBuilder()
                .setMaxRetries(UInt32Value.of(-1))))
        .build();
  }

  private double successRate(ResilienceFixture mesh) throws Exception {
    AtomicInteger ok = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        fs.add(pool.submit(() -> {
          for (int i = 0; i < REQUESTS / 4; i++) {
            try (Response r = mesh.http.newCall(new Request.Builder().url("http://reviews:9080/r").build()).execute()) {
              r.body().string();
              if (r.code() == 200) {
                ok.incrementAndGet();
              }
            }
          }
          return null;
        }));
      }
      for (Future<?> f : fs) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    return ok.get() / (double) REQUESTS;
  }

  @Test
  void oneDeadEndpointOfThree() throws Exception {
    int dead;
    try (ServerSocket s = new ServerSocket(0)) {
      dead = s.getLocalPort();
    }
    try (ResilienceFixture mesh = new ResilienceFixture();
        ScriptedHttpServer a = new ScriptedHttpServer("a");
        ScriptedHttpServer b = new ScriptedHttpServer("b")) {
      mesh.publish(route(retries()), ejecting(), new int[] {a.port(), b.port(), dead});
      mesh.connect();
      assertThat(successRate(mesh)).isGreaterThanOrEqualTo(0.999);
    }
  }

  @Test
  void oneFlappingEndpointOfThree() throws Exception {
    try (ResilienceFixture mesh = new ResilienceFixture();
        ScriptedHttpServer a = new ScriptedHttpServer("a");
        ScriptedHttpServer b = new ScriptedHttpServer("b");
        ScriptedHttpServer c = new ScriptedHttpServer("c")) {
      for (int i = 0; i < REQUESTS; i++) {
        c.then(i % 3 == 0 ? ScriptedHttpServer.status(200) : ScriptedHttpServer.status(503));
      }
      mesh.publish(route(retries()), ejecting(), new int[] {a.port(), b.port(), c.port()});
      mesh.connect();
      assertThat(successRate(mesh)).isGreaterThanOrEqualTo(0.999);
    }
  }
}
