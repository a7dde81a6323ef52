package io.bowline.runtime.adapter.okhttp;

import static io.bowline.runtime.adapter.okhttp.OkHttpRetryAndTimeoutTest.ms;
import static io.bowline.runtime.adapter.okhttp.OkHttpRetryAndTimeoutTest.route;
import static io.bowline.runtime.adapter.okhttp.ResilienceFixture.V1;
import static io.bowline.runtime.adapter.okhttp.ResilienceFixture.cluster;
import static io.bowline.runtime.testing.ScriptedHttpServer.status;
import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.runtime.testing.ScriptedHttpServer;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Cluster {@code connect_timeout} (Envoy default 5 s) reaches the connection OkHttp opens for each
 * attempt, capped by the attempt's own timeout; observed from a network interceptor on a real call.
 */
class ClusterConnectTimeoutTest {
  private final List<Integer> connectTimeouts = new CopyOnWriteArrayList<>();
  private ResilienceFixture mesh;
  private ScriptedHttpServer upstream;

  @BeforeEach
  void setUp() throws Exception {
    mesh = new ResilienceFixture();
    upstream = new ScriptedHttpServer("a");
    upstream.always(status(200));
  }

  @AfterEach
  void tearDown() throws Exception {
    upstream.close();
    mesh.close();
  }

  private int connectTimeoutOfOneCall() throws Exception {
    connectTimeouts.clear();
    try (Response r = mesh.http.newCall(new Request.Builder().url("http://reviews:9080/reviews/0").build()).execute()) {
      assertThat(r.code()).isEqualTo(200);
    }
    return connectTimeouts.get(0);
  }

  private void publishAndAwait(RouteAction.Builder action, io.envoyproxy.envoy.config.cluster.v3.Cluster v1)
      throws Exception {
    mesh.publish(route(action), v1, new int[] {upstream.port()});
    mesh.connect(new OkHttpClient.Builder().addNetworkInterceptor(chain -> {
      connectTimeouts.add(chain.connectTimeoutMillis());
      return chain.proceed(chain.request());
    }));
  }

  @Test
  void envoysDefaultOfFiveSecondsAppliesWhenTheClusterSetsNone() throws Exception {
    publishAndAwait(RouteAction.newBuilder(), cluster(V1));
    assertThat(connectTimeoutOfOneCall()).isEqualTo(5000);
  }

  @Test
  void theClustersConnectTimeoutApplies() throws Exception {
    publishAndAwait(RouteAction.newBuilder(), cluster(V1).toBuilder().setConnectTimeout(ms(1250)).build());
    assertThat(connectTimeoutOfOneCall()).isEqualTo(1250);
  }

  @Test
  void aShorterPerTryTimeoutCapsTheConnect() throws Exception {
    publishAndAwait(
        RouteAction.newBuilder().setRetryPolicy(RetryPolicy.newBuilder().setRetryOn("5xx").setPerTryTimeout(ms(300))),
        cluster(V1).toBuilder().setConnectTimeout(ms(10_000)).build());
    assertThat(connectTimeoutOfOneCall()).isEqualTo(300);
  }
}
