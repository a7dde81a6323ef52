package io.bowline.runtime.upstream.health;

import static io.bowline.runtime.testing.EnvoyResources.clusterName;
import static io.bowline.runtime.testing.EnvoyResources.edsCluster;
import static io.bowline.runtime.testing.EnvoyResources.endpoints;
import static io.bowline.runtime.testing.EnvoyResources.listener;
import static io.bowline.runtime.testing.EnvoyResources.prefix;
import static io.bowline.runtime.testing.EnvoyResources.routes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.UInt32Value;
import com.google.protobuf.util.Durations;
import com.sun.net.httpserver.HttpServer;
import io.bowline.api.MeshClient;
import io.bowline.runtime.adapter.okhttp.BowlineOkHttp;
import io.bowline.runtime.testing.XdsTestServer;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.HealthCheck;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.type.v3.Int64Range;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Active health checks ({@code Cluster.health_checks}) against real loopback hosts, over a real ADS
 * stream: a host failing its health endpoint leaves the load balancer after
 * {@code unhealthy_threshold} probes and returns after {@code healthy_threshold}; gRPC
 * {@code NOT_SERVING} ejects; all hosts failing follows the panic rules; probes never count as requests.
 */
class ActiveHealthCheckTest {
  private static final String FQDN = "reviews.default.svc.cluster.local";
  private static final String CLUSTER = clusterName(9080, "v1", FQDN);

  /**
   * A host whose {@code /health} answers {@link #health} and counts probes; other paths answer its
   * name, or {@link #status} without a body when that is not 200.
   */
  static final class Host implements AutoCloseable {
    final String name;
    final HttpServer server;
    final AtomicInteger health = new AtomicInteger(200);
    final AtomicInteger status = new AtomicInteger(200);
    final AtomicInteger probes = new AtomicInteger();
    final AtomicInteger requests = new AtomicInteger();

    Host(String name) throws IOException {
      this.name = name;
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.createContext("/health", ex -> {
        probes.incrementAndGet();
        ex.sendResponseHeaders(health.get(), -1);
        ex.close();
      });
      server.createContext("/", ex -> {
        requests.incrementAndGet();
        int st = status.get();
        if (st != 200) {
          ex.sendResponseHeaders(st, -1);
          ex.close();
          return;
        }
        byte[] body = name.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(200, body.length);
        ex.getResponseBody().write(body);
        ex.close();
      });
      server.start();
    }

    int port() {
      return server.getAddress().getPort();
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }

  private XdsTestServer xds;
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private MeshClient mesh;
  private OkHttpClient http;

  @BeforeEach
  void setUp() throws Exception {
    xds = new XdsTestServer();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (mesh != null) {
      mesh.close();
    }
    for (AutoCloseable c : closeables) {
      c.close();
    }
    xds.close();
  }

  private Host host(String name) throws IOException {
    Host h = new Host(name);
    closeables.add(h);
    return h;
  }

  static HealthCheck.Builder check(int unhealthy, int healthy) {
    return HealthCheck.newBuilder().setTimeout(Durations.fromMillis(500)).setInterval(Durations.fromMillis(50))
        .setNoTrafficInterval(Durations.fromMillis(50))
        .setUnhealthyThreshold(UInt32Value.of(unhealthy)).setHealthyThreshold(UInt32Value.of(healthy));
  }

  static HealthCheck httpCheck(int unhealthy, int healthy) {
    return check(unhealthy, healthy).setHttpHealthCheck(HealthCheck.HttpHealthCheck.newBuilder().setPath("/health")
        .addRetriableStatuses(Int64Range.newBuilder().setStart(503).setEnd(504))).build();
  }

  private void start(HealthCheck hc, int... ports) throws Exception {
    Cluster c = edsCluster(CLUSTER, Cluster.LbPolicy.ROUND_ROBIN).toBuilder().addHealthChecks(hc).build();
    Route r = Route.newBuilder().setMatch(prefix("")).setRoute(RouteAction.newBuilder().setCluster(CLUSTER)).build();
    xds.set(Snapshot.create(List.of(c), List.of(endpoints(CLUSTER, ports)), List.of(listener(FQDN, 9080)),
        List.of(routes(FQDN, 9080, r)), List.of(), "v1"));
    mesh = MeshClient.builder().workload("productpage-v1", "default").xdsServer(xds.address()).build();
    // 30 s, not 10: in surefire's order this class is the first of the fork to start an xDS server and client, which
    // loads and initialises the Envoy protos, gRPC and Netty (about 1.6 s of CPU to the first config, 0.1 s for a
    // later client); at load 20 on two cores that took more than 10 s of wall time
    mesh.awaitReady(Duration.ofSeconds(30));
    http = BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
  }

  private String call() throws IOException {
    try (Response r = http.newCall(new Request.Builder().url("http://reviews:9080/ratings").build()).execute()) {
      return r.code() == 200 ? r.body().string() : String.valueOf(r.code());
    }
  }

  private Set<String> answersOf(int calls) throws IOException {
    Set<String> out = new HashSet<>();
    for (int i = 0; i < calls; i++) {
      out.add(call());
    }
    return out;
  }

  @Test
  void aHostFailingItsHealthEndpointLeavesAfterUnhealthyThresholdAndReturnsAfterHealthyThreshold() throws Exception {
    Host a = host("a");
    Host b = host("b");
    start(httpCheck(3, 2), a.port(), b.port());
    await().atMost(Duration.ofSeconds(10)).until(() -> answersOf(4).equals(Set.of("a", "b")));

    int before = a.probes.get();
    a.health.set(503); // retriable: counts toward unhealthy_threshold
    await().atMost(Duration.ofSeconds(10)).until(() -> answersOf(4).equals(Set.of("b")));
    assertThat(a.probes.get() - before).as("failed probes before a left").isGreaterThanOrEqualTo(3);

    int failedProbes = a.probes.get();
    a.health.set(200);
    await().atMost(Duration.ofSeconds(10)).until(() -> answersOf(4).equals(Set.of("a", "b")));
    assertThat(a.probes.get() - failedProbes).as("passed probes before a returned").isGreaterThanOrEqualTo(2);
  }

  @Test
  void probesStartWhenTheClusterArrivesBeforeAnyCallAndStopWhenItLeaves() throws Exception {
    Host a = host("a");
    start(httpCheck(1, 1), a.port());
    await().atMost(Duration.ofSeconds(10)).until(() -> a.probes.get() >= 2);
    assertThat(a.requests).as("no call was made").hasValue(0);
    assertThat(ActiveHealthChecks.probers()).isEqualTo(1);
    a.health.set(500);
    await().atMost(Duration.ofSeconds(10)).until(() -> unhealthyHosts().equals(Set.of("127.0.0.1:" + a.port())));
    assertThat(call()).as("the first call already sees the verdict: no healthy host, panic routes to it").isEqualTo("a");

    xds.set(Snapshot.create(List.of(), List.of(), List.of(), List.of(), List.of(), "v2"));
    await().atMost(Duration.ofSeconds(10)).until(() -> ActiveHealthChecks.probers() == 0);
  }

  @Test
  void aStatusNeitherExpectedNorRetriableEjectsAtOnce() throws Exception {
    Host a = host("a");
    Host b = host("b");
    start(httpCheck(1000, 1), a.port(), b.port());
    await().atMost(Duration.ofSeconds(10)).until(() -> answersOf(4).equals(Set.of("a", "b")));
    a.health.set(500);
    await().atMost(Duration.ofSeconds(10)).until(() -> answersOf(4).equals(Set.of("b")));
  }

  @Test
  void allHostsFailingFollowThePanicRulesAndStillServe() throws Exception {
    Host a = host("a");
    Host b = host("b");
    start(httpCheck(1, 1), a.port(), b.port());
    a.health.set(500);
    b.health.set(500);
    await().atMost(Duration.ofSeconds(10)).until(() -> unhealthyHosts().size() == 2);
    assertThat(answersOf(6)).as("no healthy host: panic routes to all (healthy_panic_threshold 50 %)")
        .isEqualTo(Set.of("a", "b"));
  }

  @Test
  void aGrpcNotServingHostIsEjected() throws Exception {
    HealthStatusManager healthA = new HealthStatusManager();
    HealthStatusManager healthB = new HealthStatusManager();
    Server a = grpcHost(healthA);
    Server b = grpcHost(healthB);
    HealthCheck hc = check(3, 1).setGrpcHealthCheck(HealthCheck.GrpcHealthCheck.newBuilder().setServiceName("reviews"))
        .build();
    start(hc, a.getPort(), b.getPort());
    await().atMost(Duration.ofSeconds(10)).until(() -> ActiveHealthChecks.probers() == 2);
    healthA.setStatus("reviews", ServingStatus.NOT_SERVING);
    await().atMost(Duration.ofSeconds(10)).until(() -> unhealthyHosts().equals(Set.of("127.0.0.1:" + a.getPort())));
    healthA.setStatus("reviews", ServingStatus.SERVING);
    await().atMost(Duration.ofSeconds(10)).until(() -> unhealthyHosts().isEmpty());
  }

  private Server grpcHost(HealthStatusManager health) throws IOException {
    Server s = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(health.getHealthService()).build().start();
    closeables.add(s::shutdownNow);
    health.setStatus("reviews", ServingStatus.SERVING);
    return s;
  }

  @Test
  void oneProberPerHostServesEveryClientOfTheProcessAndStopsWithTheLast() throws Exception {
    Host a = host("a");
    start(httpCheck(1, 1), a.port());
    call();
    MeshClient second = MeshClient.builder().workload("productpage-v1", "default").xdsServer(xds.address()).build();
    second.awaitReady(Duration.ofSeconds(30));
    OkHttpClient secondHttp = BowlineOkHttp.install(second, new OkHttpClient.Builder()).build();
    try (Response r = secondHttp.newCall(new Request.Builder().url("http://reviews:9080/").build()).execute()) {
      assertThat(r.body().string()).isEqualTo("a");
    }
    assertThat(ActiveHealthChecks.probers()).isEqualTo(1);
    await().atMost(Duration.ofSeconds(10)).until(() -> a.probes.get() > 0);
    assertThat(a.requests).as("probes never go through the clients' pipelines").hasValue(2);
    second.close();
    assertThat(ActiveHealthChecks.probers()).as("the first client still watches").isEqualTo(1);
    mesh.close();
    mesh = null;
    assertThat(ActiveHealthChecks.probers()).isZero();
  }

  /** The hosts the client's priority set holds unhealthy, by {@code address:port}. */
  private Set<String> unhealthyHosts() {
    var state = ((io.bowline.runtime.RuntimeMeshClient) mesh).router().resilience().cluster(CLUSTER);
    Set<String> out = new HashSet<>();
    for (var set : state.prioritySet().hostSets()) {
      for (var h : set.hosts()) {
        if (!set.healthyHosts().contains(h)) {
          out.add(h.endpoint().hostPort());
        }
      }
    }
    return out;
  }
}
