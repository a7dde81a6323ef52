package io.bowline.runtime.tls;

import static io.bowline.runtime.testing.EnvoyResources.endpoints;
import static io.bowline.runtime.testing.EnvoyResources.listener;
import static io.bowline.runtime.testing.EnvoyResources.prefix;
import static io.bowline.runtime.testing.EnvoyResources.routes;
import static io.bowline.runtime.testing.EnvoyResources.toCluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.bowline.api.MeshClient;
import io.bowline.runtime.adapter.grpc.BowlineGrpc;
import io.bowline.runtime.adapter.okhttp.BowlineOkHttp;
import io.bowline.runtime.testing.XdsTestServer;
import io.bowline.tls.SpiffeTls;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.TlsServerCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLSession;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, rotation under load: the workload certificate lives 6 s and is replaced (atomically, as Istio's
 * grpc-agent does) every 2 s in the files of the bootstrap's {@code file_watcher} provider (refresh 1 s), while
 * OkHttp and gRPC calls run back to back through ISTIO_MUTUAL clusters. The servers close connections often (HTTP
 * {@code Connection: close}, gRPC max connection age 1 s), so new handshakes keep happening: every call succeeds, and
 * both servers see at least three new client certificate serials (a rotation gives the OkHttp path a fresh
 * {@code SSLContext} and gRPC new endpoint channels, so no TLS session of the previous certificate is resumed). Live
 * connections keep their certificate; only new handshakes take the new one.
 */
class RotationUnderLoadTest {
  private static final String REVIEWS = "reviews.default.svc.cluster.local";
  private static final String RATINGS = "ratings.default.svc.cluster.local";
  private static final String REVIEWS_CLUSTER = "outbound|9080||" + REVIEWS;
  private static final String RATINGS_CLUSTER = "outbound|9090||" + RATINGS;
  private static final Duration TTL = Duration.ofSeconds(6);

  @TempDir
  Path certs;
  private final MeshPki pki = new MeshPki();
  private final Set<String> httpSerials = ConcurrentHashMap.newKeySet();
  private final Set<String> grpcSerials = ConcurrentHashMap.newKeySet();
  private final Queue<String> failures = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final ScheduledExecutorService rotator = Executors.newSingleThreadScheduledExecutor();
  private XdsTestServer xds;
  private HttpsServer http;
  private Server grpc;
  private MeshClient mesh;
  private final List<Thread> callers = new java.util.concurrent.CopyOnWriteArrayList<>();

  @AfterEach
  void stop() throws Exception {
    running.set(false);
    for (Thread t : callers) {
      t.join(10_000);
    }
    rotator.shutdownNow();
    if (mesh != null) {
      mesh.close();
    }
    if (grpc != null) {
      grpc.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (http != null) {
      http.stop(0);
    }
    if (xds != null) {
      xds.close();
    }
  }

  @Test
  void threeRotationsUnderContinuousOkHttpAndGrpcCallsFailNoCallAndReachTheServersAsNewSerials() throws Exception {
    MeshPki.write(certs, pki.ca.issue(MeshPki.id("productpage"), TTL));
    SpiffeTls serverTls = MeshPki.serverTls(pki.issue("reviews"));
    startHttps(serverTls);
    startGrpc(serverTls);
    xds = new XdsTestServer();
    xds.set(Snapshot.create(
        List.of(MtlsUpstreams.istioMutualCluster(REVIEWS_CLUSTER), MtlsUpstreams.istioMutualCluster(RATINGS_CLUSTER)),
        List.of(endpoints(REVIEWS_CLUSTER, http.getAddress().getPort()), endpoints(RATINGS_CLUSTER, grpc.getPort())),
        List.of(listener(REVIEWS, 9080), listener(RATINGS, 9090)),
        List.of(routes(REVIEWS, 9080, toCluster(prefix(""), REVIEWS_CLUSTER)),
            routes(RATINGS, 9090, toCluster(prefix(""), RATINGS_CLUSTER))),
        List.of(), "1"));
    mesh = MeshClient.builder().bootstrapJson(MeshPki.bootstrap(xds.address(), certs, "1s")).build();
    mesh.awaitReady(Duration.ofSeconds(20));
    OkHttpClient okHttp = BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
    HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(
        BowlineGrpc.channel(mesh, "xds:///" + RATINGS + ":9090"));
    // Warm-up: both paths answer with the first certificate before the load starts.
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      try (Response r = okHttp.newCall(new Request.Builder().url("http://reviews:9080/").build()).execute()) {
        return r.code() == 200;
      }
    });
    health.withDeadlineAfter(20, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance());

    AtomicInteger calls = new AtomicInteger();
    caller("okhttp", () -> {
      try (Response r = okHttp.newCall(new Request.Builder().url("http://reviews:9080/").build()).execute()) {
        if (r.code() != 200) {
          failures.add("okhttp " + r.code() + " " + r.body().string());
        }
      }
    }, calls);
    caller("grpc", () -> health.withDeadlineAfter(10, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance()),
        calls);
    rotator.scheduleAtFixedRate(() -> {
      try {
        MeshPki.write(certs, pki.ca.issue(MeshPki.id("productpage"), TTL));
      } catch (Exception e) {
        failures.add("rotation: " + e);
      }
    }, 2, 2, TimeUnit.SECONDS);

    // The first serial plus three rotations, seen by each server.
    await().atMost(Duration.ofSeconds(25)).untilAsserted(() -> {
      assertThat(failures).isEmpty();
      assertThat(httpSerials).as("OkHttp client serials the server saw").hasSizeGreaterThanOrEqualTo(4);
      assertThat(grpcSerials).as("gRPC client serials the server saw").hasSizeGreaterThanOrEqualTo(4);
    });
    running.set(false);
    for (Thread t : callers) {
      t.join(15_000);
    }
    assertThat(failures).as("failed calls out of %d", calls.get()).isEmpty();
    assertThat(calls.get()).isGreaterThan(20);
  }

  /** Calls {@code call} back to back until the test stops it; every exception is a failed call. */
  private void caller(String name, ThrowingRunnable call, AtomicInteger calls) {
    Thread t = new Thread(() -> {
      while (running.get()) {
        try {
          call.run();
          calls.incrementAndGet();
        } catch (Exception e) {
          failures.add(name + ": " + e);
        }
      }
    }, "rotation-load-" + name);
    t.setDaemon(true);
    callers.add(t);
    t.start();
  }

  @FunctionalInterface
  private interface ThrowingRunnable {
    void run() throws Exception;
  }

  private static String clientSerial(SSLSession session) {
    try {
      return ((X509Certificate) session.getPeerCertificates()[0]).getSerialNumber().toString(16);
    } catch (Exception e) {
      return "none";
    }
  }

  /** An HTTPS server requiring a client certificate that closes each connection after its response. */
  private void startHttps(SpiffeTls tls) throws Exception {
    http = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    http.setHttpsConfigurator(new HttpsConfigurator(tls.sslContext()) {
      @Override
      public void configure(HttpsParameters params) {
        javax.net.ssl.SSLParameters p = getSSLContext().getDefaultSSLParameters();
        p.setNeedClientAuth(true);
        params.setSSLParameters(p);
      }
    });
    http.setExecutor(Executors.newFixedThreadPool(4));
    http.createContext("/", exchange -> {
      httpSerials.add(clientSerial(((HttpsExchange) exchange).getSSLSession()));
      byte[] body = "reviews".getBytes(java.nio.charset.StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Connection", "close");
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    http.start();
  }

  /** A gRPC server requiring a client certificate whose connections live 1 s (then GOAWAY with a grace). */
  private void startGrpc(SpiffeTls tls) throws Exception {
    ServerInterceptor serials = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        grpcSerials.add(clientSerial(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION)));
        return next.startCall(call, headers);
      }
    };
    grpc = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0), TlsServerCredentials.newBuilder()
            .keyManager(tls.keyManager()).trustManager(tls.trustManager())
            .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE).build())
        .maxConnectionAge(1, TimeUnit.SECONDS).maxConnectionAgeGrace(10, TimeUnit.SECONDS)
        .addService(ServerInterceptors.intercept(new HealthStatusManager().getHealthService(), serials))
        .build().start();
  }
}
