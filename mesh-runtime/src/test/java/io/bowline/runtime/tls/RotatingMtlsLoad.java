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
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Rotation under load for issue 15's tests: the workload certificate of {@code productpage} lives {@code ttl} and is
 * replaced (renamed into place, as Istio's grpc-agent does) in {@code certs}, the files of the bootstrap's
 * {@code file_watcher} provider, while OkHttp and gRPC calls run back to back through two ISTIO_MUTUAL clusters
 * ({@code reviews:9080} over HTTPS, {@code ratings:9090} over gRPC). The servers close connections often (HTTP
 * {@code Connection: close}, gRPC max connection age 1 s), so new handshakes keep happening, and record the client
 * certificate serial of every call.
 */
final class RotatingMtlsLoad implements AutoCloseable {
  static final String REVIEWS = "reviews.default.svc.cluster.local";
  static final String RATINGS = "ratings.default.svc.cluster.local";
  private static final String REVIEWS_CLUSTER = "outbound|9080||" + REVIEWS;
  private static final String RATINGS_CLUSTER = "outbound|9090||" + RATINGS;

  private final Path certs;
  private final Duration ttl;
  private final MeshPki pki = new MeshPki();
  private final Set<String> httpSerials = ConcurrentHashMap.newKeySet();
  private final Set<String> grpcSerials = ConcurrentHashMap.newKeySet();
  private final Queue<String> failures = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicInteger calls = new AtomicInteger();
  private final ScheduledExecutorService rotator = Executors.newSingleThreadScheduledExecutor();
  private final ExecutorService httpExecutor = Executors.newFixedThreadPool(4);
  private final List<Thread> callers = new CopyOnWriteArrayList<>();
  private final HttpsServer http;
  private final Server grpc;

  /**
   * Writes the first certificate into {@code certs} and starts both mTLS servers on loopback. The first certificate
   * lives an hour, so that it is still valid however long a busy machine takes to reach the first call; the ones the
   * rotation writes live {@code ttl}.
   */
  RotatingMtlsLoad(Path certs, Duration ttl) throws Exception {
    this.certs = certs;
    this.ttl = ttl;
    MeshPki.write(certs, pki.issue("productpage"));
    SpiffeTls serverTls = MeshPki.serverTls(pki.issue("reviews"));
    http = startHttps(serverTls);
    grpc = startGrpc(serverTls);
  }

  /** The xDS resources routing {@code reviews:9080} and {@code ratings:9090} to the two servers. */
  Snapshot snapshot() {
    return Snapshot.create(
        List.of(MtlsUpstreams.istioMutualCluster(REVIEWS_CLUSTER), MtlsUpstreams.istioMutualCluster(RATINGS_CLUSTER)),
        List.of(endpoints(REVIEWS_CLUSTER, http.getAddress().getPort()), endpoints(RATINGS_CLUSTER, grpc.getPort())),
        List.of(listener(REVIEWS, 9080), listener(RATINGS, 9090)),
        List.of(routes(REVIEWS, 9080, toCluster(prefix(""), REVIEWS_CLUSTER)),
            routes(RATINGS, 9090, toCluster(prefix(""), RATINGS_CLUSTER))),
        List.of(), "1");
  }

  /**
   * With {@code mesh} ready: one call on each path answers with the first certificate, then calls run back to back
   * while the certificate is replaced every {@code every}, until each server has seen {@code rotations} new serials
   * (plus the first). Asserts that no call failed.
   */
  void rotateUnderLoad(MeshClient mesh, int rotations, Duration every, Duration atMost) throws Exception {
    OkHttpClient okHttp = BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
    HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(
        BowlineGrpc.channel(mesh, "xds:///" + RATINGS + ":9090"));
    try (Response r = okHttp.newCall(new Request.Builder().url("http://reviews:9080/").build()).execute()) {
      String body = r.body().string();
      assertThat(r.code()).as("first OkHttp call: %s", body).isEqualTo(200);
    }
    health.withDeadlineAfter(20, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance());

    caller("okhttp", () -> {
      try (Response r = okHttp.newCall(new Request.Builder().url("http://reviews:9080/").build()).execute()) {
        if (r.code() != 200) {
          failures.add("okhttp " + r.code() + " " + r.body().string());
        }
      }
    });
    caller("grpc", () -> health.withDeadlineAfter(10, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance()));
    rotator.scheduleAtFixedRate(() -> {
      try {
        MeshPki.write(certs, pki.ca.issue(MeshPki.id("productpage"), ttl));
      } catch (Exception e) {
        failures.add("rotation: " + e);
      }
    }, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);

    await().atMost(atMost).untilAsserted(() -> {
      assertThat(failures).isEmpty();
      assertThat(httpSerials).as("OkHttp client serials the server saw").hasSizeGreaterThan(rotations);
      assertThat(grpcSerials).as("gRPC client serials the server saw").hasSizeGreaterThan(rotations);
    });
    stopCallers();
    assertThat(failures).as("failed calls out of %d", calls.get()).isEmpty();
    assertThat(calls.get()).isGreaterThan(20);
  }

  private void stopCallers() throws InterruptedException {
    running.set(false);
    for (Thread t : callers) {
      t.join(15_000);
    }
  }

  /** Calls {@code call} back to back until stopped; every exception is a failed call. */
  private void caller(String name, ThrowingRunnable call) {
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
  private HttpsServer startHttps(SpiffeTls tls) throws Exception {
    HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(tls.sslContext()) {
      @Override
      public void configure(HttpsParameters params) {
        SSLParameters p = getSSLContext().getDefaultSSLParameters();
        p.setNeedClientAuth(true);
        params.setSSLParameters(p);
      }
    });
    server.setExecutor(httpExecutor);
    server.createContext("/", exchange -> {
      httpSerials.add(clientSerial(((HttpsExchange) exchange).getSSLSession()));
      byte[] body = "reviews".getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Connection", "close");
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
    return server;
  }

  /** A gRPC server requiring a client certificate whose connections live 1 s (then GOAWAY with a grace). */
  private Server startGrpc(SpiffeTls tls) throws Exception {
    ServerInterceptor serials = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        grpcSerials.add(clientSerial(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION)));
        return next.startCall(call, headers);
      }
    };
    return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0), TlsServerCredentials.newBuilder()
            .keyManager(tls.keyManager()).trustManager(tls.trustManager())
            .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE).build())
        .maxConnectionAge(1, TimeUnit.SECONDS).maxConnectionAgeGrace(10, TimeUnit.SECONDS)
        .addService(ServerInterceptors.intercept(new HealthStatusManager().getHealthService(), serials))
        .build().start();
  }

  @Override
  public void close() throws Exception {
    stopCallers();
    rotator.shutdownNow();
    grpc.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    http.stop(0);
    httpExecutor.shutdownNow();
  }
}
