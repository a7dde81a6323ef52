package io.bowline.runtime.upstream.health;

import static io.bowline.runtime.testing.EnvoyResources.clusterName;
import static io.bowline.runtime.testing.EnvoyResources.edsCluster;
import static io.bowline.runtime.testing.EnvoyResources.endpoints;
import static io.bowline.runtime.testing.EnvoyResources.listener;
import static io.bowline.runtime.testing.EnvoyResources.prefix;
import static io.bowline.runtime.testing.EnvoyResources.routes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import io.bowline.api.MeshClient;
import io.bowline.runtime.adapter.okhttp.BowlineOkHttp;
import io.bowline.runtime.testing.XdsTestServer;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The flapping-host measurement of issue 19: under a steady stream of idempotent requests, with
 * Envoy's retries ({@code retry_on: 5xx}, two retries, {@code previous_hosts}) and active HTTP
 * checks, a host that keeps going down (its requests and its health endpoint answer 503) and coming
 * back costs at most 0.1 % failed requests. The host flaps by request count, not by a timer, so the
 * run is the same however loaded the machine is.
 */
class FlappingHostTest {
  private static final String FQDN = "reviews.default.svc.cluster.local";
  private static final String CLUSTER = clusterName(9080, "v1", FQDN);
  private static final int THREADS = 4;
  private static final int REQUESTS_PER_THREAD = 1000;
  /** The flapping host changes state every this many requests of the stream. */
  private static final int FLAP_EVERY = 200;

  private XdsTestServer xds;
  private final List<ActiveHealthCheckTest.Host> hosts = new ArrayList<>();
  private MeshClient mesh;

  @BeforeEach
  void setUp() throws Exception {
    xds = new XdsTestServer();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (mesh != null) {
      mesh.close();
    }
    hosts.forEach(ActiveHealthCheckTest.Host::close);
    xds.close();
  }

  @Test
  void aFlappingHostUnderASteadyStreamCostsAtMostOnePerThousandFailedIdempotentRequests() throws Exception {
    for (String n : List.of("a", "b", "c")) {
      hosts.add(new ActiveHealthCheckTest.Host(n));
    }
    ActiveHealthCheckTest.Host flapping = hosts.get(0);
    // max_retries as istiod writes it for every outbound cluster (Envoy's own default, 3 concurrent
    // retries, would fail the retries of more than 3 requests caught by one flap)
    Cluster c = edsCluster(CLUSTER, Cluster.LbPolicy.ROUND_ROBIN).toBuilder()
        .setCircuitBreakers(CircuitBreakers.newBuilder().addThresholds(CircuitBreakers.Thresholds.newBuilder()
            .setMaxRetries(UInt32Value.of(-1))))
        .addHealthChecks(ActiveHealthCheckTest.httpCheck(1, 1)).build();
    RetryPolicy retry = RetryPolicy.newBuilder().setRetryOn("5xx,reset,connect-failure")
        .setNumRetries(UInt32Value.of(2))
        .addRetryHostPredicate(RetryPolicy.RetryHostPredicate.newBuilder().setName("envoy.retry_host_predicates.previous_hosts")
            .setTypedConfig(Any.pack(PreviousHostsPredicate.getDefaultInstance())))
        .setHostSelectionRetryMaxAttempts(3).build();
    Route r = Route.newBuilder().setMatch(prefix(""))
        .setRoute(RouteAction.newBuilder().setCluster(CLUSTER).setRetryPolicy(retry)).build();
    xds.set(Snapshot.create(List.of(c), List.of(endpoints(CLUSTER, hosts.stream().mapToInt(h -> h.port()).toArray())),
        List.of(listener(FQDN, 9080)), List.of(routes(FQDN, 9080, r)), List.of(), "v1"));
    mesh = MeshClient.builder().workload("productpage-v1", "default").xdsServer(xds.address()).build();
    mesh.awaitReady(Duration.ofSeconds(30));
    OkHttpClient http = BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
    await().atMost(Duration.ofSeconds(10)).until(() -> flapping.probes.get() > 0);

    AtomicInteger sent = new AtomicInteger();
    AtomicLong failed = new AtomicLong();
    AtomicInteger flaps = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        done.add(pool.submit(() -> {
          for (int i = 0; i < REQUESTS_PER_THREAD; i++) {
            if (sent.incrementAndGet() % FLAP_EVERY == 0) {
              int down = flapping.status.get() == 200 ? 503 : 200;
              flapping.status.set(down);
              flapping.health.set(down);
              flaps.incrementAndGet();
            }
            try (Response resp = http.newCall(new Request.Builder().url("http://reviews:9080/ratings").build())
                .execute()) {
              if (resp.code() != 200) {
                failed.incrementAndGet();
              }
            } catch (IOException e) {
              failed.incrementAndGet();
            }
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    int total = THREADS * REQUESTS_PER_THREAD;
    double failedPercent = 100.0 * failed.get() / total;
    System.out.printf("flapping host: %d requests, %d flaps, %d requests reached the host, %d failed (%.3f %%), "
        + "%d probes%n", total, flaps.get(), flapping.requests.get(), failed.get(), failedPercent, flapping.probes.get());
    assertThat(flaps.get()).isEqualTo(total / FLAP_EVERY);
    assertThat(failedPercent).as("failed requests, %%").isLessThanOrEqualTo(0.1);
  }
}
