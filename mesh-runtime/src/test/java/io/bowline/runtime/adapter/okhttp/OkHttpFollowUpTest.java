package io.bowline.runtime.adapter.okhttp;

import static io.bowline.runtime.testing.EnvoyResources.clusterName;
import static io.bowline.runtime.testing.EnvoyResources.edsCluster;
import static io.bowline.runtime.testing.EnvoyResources.endpoints;
import static io.bowline.runtime.testing.EnvoyResources.listener;
import static io.bowline.runtime.testing.EnvoyResources.prefix;
import static io.bowline.runtime.testing.EnvoyResources.routes;
import static io.bowline.runtime.testing.EnvoyResources.toCluster;
import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.api.MeshClient;
import io.bowline.runtime.testing.XdsTestServer;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * OkHttp's follow-ups of a routed call (a redirect, a 408 retried once, a 503 with
 * {@code Retry-After: 0} retried once) are new routed exchanges, as a sidecar would see them: a
 * redirect to a second mesh service is routed to that service's endpoints, a retried 408 goes
 * through the load balancer again, and the caller sees the request it made.
 */
class OkHttpFollowUpTest {
  private static final String REVIEWS = "reviews.default.svc.cluster.local";
  private static final String RATINGS = "ratings.default.svc.cluster.local";
  private static final String REVIEWS_V1 = clusterName(9080, "v1", REVIEWS);
  private static final String RATINGS_V1 = clusterName(9080, "v1", RATINGS);

  private XdsTestServer xds;
  private MockWebServer a;
  private MockWebServer b;
  private MockWebServer c;
  private MeshClient mesh;
  private OkHttpClient http;
  private final List<String> exchanges = new CopyOnWriteArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    xds = new XdsTestServer();
    a = new MockWebServer();
    b = new MockWebServer();
    c = new MockWebServer();
    a.start();
    b.start();
    c.start();
    xds.set(Snapshot.create(
        List.of(edsCluster(REVIEWS_V1, Cluster.LbPolicy.ROUND_ROBIN), edsCluster(RATINGS_V1, Cluster.LbPolicy.ROUND_ROBIN)),
        List.of(endpoints(REVIEWS_V1, a.getPort(), b.getPort()), endpoints(RATINGS_V1, c.getPort())),
        List.of(listener(REVIEWS, 9080), listener(RATINGS, 9080)),
        List.of(routes(REVIEWS, 9080, toCluster(prefix("/"), REVIEWS_V1)), routes(RATINGS, 9080, toCluster(prefix("/"), RATINGS_V1))),
        List.of(), "1"));
    mesh = MeshClient.builder().workload("productpage-v1", "default").xdsServer(xds.address())
        .filter((exchange, next) -> {
          exchanges.add(exchange.authority() + exchange.path());
          return next.proceed(exchange);
        }).build();
    mesh.awaitReady(Duration.ofSeconds(30));
    http = BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
  }

  @AfterEach
  void tearDown() throws Exception {
    mesh.close();
    a.close();
    b.close();
    c.close();
    xds.close();
  }

  private static MockResponse redirectTo(String location) {
    return new MockResponse.Builder().code(302).setHeader("Location", location).build();
  }

  @Test
  void aRedirectToASecondMeshServiceIsRoutedByTheMesh() throws Exception {
    a.enqueue(redirectTo("http://ratings:9080/ratings/0"));
    b.enqueue(redirectTo("http://ratings:9080/ratings/0"));
    c.enqueue(new MockResponse.Builder().body("ratings").build());
    try (Response r = http.newCall(new Request.Builder().url("http://reviews:9080/reviews/0").build()).execute()) {
      assertThat(r.body().string()).isEqualTo("ratings");
      assertThat(r.request().url().toString()).isEqualTo("http://ratings:9080/ratings/0");
      assertThat(r.priorResponse().code()).isEqualTo(302);
      assertThat(r.priorResponse().request().url().host()).isEqualTo("reviews");
    }
    RecordedRequest atRatings = c.takeRequest(5, TimeUnit.SECONDS);
    assertThat(atRatings.getHeaders().get("Host")).isEqualTo("ratings:9080");
    assertThat(exchanges).containsExactly("reviews:9080/reviews/0", "ratings:9080/ratings/0");
  }

  @Test
  void aRedirectIsReturnedAsItIsWhenTheClientDoesNotFollowRedirects() throws Exception {
    a.enqueue(redirectTo("http://ratings:9080/ratings/0"));
    b.enqueue(redirectTo("http://ratings:9080/ratings/0"));
    OkHttpClient noFollow = BowlineOkHttp.install(mesh, new OkHttpClient.Builder().followRedirects(false)).build();
    try (Response r = noFollow.newCall(new Request.Builder().url("http://reviews:9080/reviews/0").build()).execute()) {
      assertThat(r.code()).isEqualTo(302);
      assertThat(r.header("Location")).isEqualTo("http://ratings:9080/ratings/0");
    }
    assertThat(c.getRequestCount()).isZero();
  }

  @Test
  void a408IsRetriedOnceAsANewRoutedExchangeThroughTheLoadBalancer() throws Exception {
    java.util.concurrent.atomic.AtomicInteger seen = new java.util.concurrent.atomic.AtomicInteger();
    mockwebserver3.Dispatcher firstTimesOut = new mockwebserver3.Dispatcher() {
      @Override
      public MockResponse dispatch(RecordedRequest request) {
        return seen.getAndIncrement() == 0 ? new MockResponse.Builder().code(408).build()
            : new MockResponse.Builder().body("ok").build();
      }
    };
    a.setDispatcher(firstTimesOut);
    b.setDispatcher(firstTimesOut);
    try (Response r = http.newCall(new Request.Builder().url("http://reviews:9080/reviews/0").build()).execute()) {
      assertThat(r.code()).isEqualTo(200);
      assertThat(r.priorResponse().code()).isEqualTo(408);
      assertThat(r.header("Retry-After")).isNull();
    }
    // round robin: the follow-up went to the other endpoint, not back to the same address
    assertThat(a.getRequestCount() + b.getRequestCount()).isEqualTo(2);
    assertThat(a.getRequestCount()).isEqualTo(1);
    assertThat(exchanges).containsExactly("reviews:9080/reviews/0", "reviews:9080/reviews/0");
  }

  @Test
  void a503WithRetryAfterZeroIsRetriedOnceAsANewRoutedExchange() throws Exception {
    MockResponse unavailable = new MockResponse.Builder().code(503).setHeader("Retry-After", "0").build();
    a.enqueue(unavailable);
    b.enqueue(unavailable);
    a.enqueue(unavailable);
    b.enqueue(unavailable);
    try (Response r = http.newCall(new Request.Builder().url("http://reviews:9080/reviews/0").build()).execute()) {
      assertThat(r.code()).isEqualTo(503); // retried once only, as OkHttp does
      assertThat(r.header("Retry-After")).isEqualTo("0");
    }
    assertThat(exchanges).hasSize(2);
    assertThat(a.getRequestCount()).isEqualTo(1);
    assertThat(b.getRequestCount()).isEqualTo(1);
  }

  @Test
  void theCallersInterceptorsAndResponseSeeTheRequestItMadeNotTheEndpoint() throws Exception {
    a.enqueue(new MockResponse.Builder().body("ok").build());
    b.enqueue(new MockResponse.Builder().body("ok").build());
    List<String> seen = new CopyOnWriteArrayList<>();
    OkHttpClient client = BowlineOkHttp.install(mesh, new OkHttpClient.Builder().addInterceptor(chain -> {
      Response r = chain.proceed(chain.request());
      seen.add(r.request().url().toString());
      return r;
    })).build();
    try (Response r = client.newCall(new Request.Builder().url("http://reviews:9080/reviews/0").build()).execute()) {
      assertThat(r.request().url().toString()).isEqualTo("http://reviews:9080/reviews/0");
    }
    assertThat(seen).containsExactly("http://reviews:9080/reviews/0");
  }

  @Test
  void installingTheMeshTwiceOnOneBuilderIsANoOp() {
    OkHttpClient.Builder builder = new OkHttpClient.Builder();
    assertThat(BowlineOkHttp.install(mesh, BowlineOkHttp.install(mesh, builder))).isSameAs(builder);
    assertThat(builder.interceptors()).hasSize(1);
    assertThat(builder.networkInterceptors()).hasSize(1);
  }
}
