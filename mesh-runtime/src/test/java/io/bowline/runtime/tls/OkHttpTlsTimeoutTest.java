package io.bowline.runtime.tls;

import static io.bowline.runtime.testing.EnvoyResources.endpoints;
import static io.bowline.runtime.testing.EnvoyResources.listener;
import static io.bowline.runtime.testing.EnvoyResources.prefix;
import static io.bowline.runtime.testing.EnvoyResources.routes;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.UInt32Value;
import io.bowline.api.MeshClient;
import io.bowline.runtime.adapter.okhttp.BowlineOkHttp;
import io.bowline.runtime.adapter.okhttp.MeshInterceptor;
import io.bowline.runtime.testing.XdsTestServer;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The timeouts of OkHttp attempts to an ISTIO_MUTUAL cluster, which run with okio's timeouts off and are enforced on
 * the mesh's deadline watchdog by cancelling the attempt's own call: {@code per_try_timeout} cuts the slow attempt
 * whether ALPN chose HTTP/1.1 (the socket closes) or HTTP/2 (only the stream is reset, the connection is kept) and the
 * retry answers; the route timeout cuts a body that stalls; and the cluster's {@code connect_timeout} bounds the TLS
 * handshake, as Envoy's does, so a server that accepts and never answers the ClientHello fails the call with
 * {@code UF}. All over a real ADS stream against real TLS servers on loopback.
 */
class OkHttpTlsTimeoutTest {
  private static final String SVC = "reviews.default.svc.cluster.local";
  private static final String CLUSTER = "outbound|9080||" + SVC;

  @TempDir Path certs;
  private final MeshPki pki = new MeshPki();
  private XdsTestServer xds;
  private MockWebServer server;
  private MeshClient mesh;
  private OkHttpClient http;

  @BeforeEach
  void start() throws Exception {
    xds = new XdsTestServer();
    MeshPki.write(certs, pki.issue("productpage"));
  }

  @AfterEach
  void stop() throws Exception {
    if (mesh != null) {
      mesh.close();
    }
    if (server != null) {
      server.close();
    }
    xds.close();
  }

  private static com.google.protobuf.Duration ms(long ms) {
    return com.google.protobuf.Duration.newBuilder().setSeconds(ms / 1000).setNanos((int) (ms % 1000) * 1_000_000).build();
  }

  private void serve(RouteAction.Builder action, long connectTimeoutMillis, int port) throws Exception {
    Cluster cluster = UpstreamMtlsTest.tlsCluster(UpstreamMtlsTest.istioMutual(List.of(MeshPki.id("reviews").uri()), ""))
        .toBuilder().setConnectTimeout(ms(connectTimeoutMillis)).build();
    Route route = Route.newBuilder().setMatch(prefix("")).setRoute(action.setCluster(CLUSTER)).build();
    xds.set(Snapshot.create(List.of(cluster), List.of(endpoints(CLUSTER, port)), List.of(listener(SVC, 9080)),
        List.of(routes(SVC, 9080, route)), List.of(), "1"));
    mesh = MeshClient.builder().bootstrapJson(MeshPki.bootstrap(xds.address(), certs, "600s"))
        .initialFetchTimeout(Duration.ofSeconds(15)).build();
    mesh.awaitReady(Duration.ofSeconds(30));
    http = BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
  }

  private static RouteAction.Builder perTry(long perTryMillis) {
    return RouteAction.newBuilder().setTimeout(ms(8_000)).setRetryPolicy(RetryPolicy.newBuilder().setRetryOn("reset")
        .setNumRetries(UInt32Value.of(1)).setPerTryTimeout(ms(perTryMillis))
        .setRetryBackOff(RetryPolicy.RetryBackOff.newBuilder().setBaseInterval(ms(1)).setMaxInterval(ms(2))));
  }

  /** An HTTPS server presenting the {@code reviews} identity, requiring a client certificate, offering {@code protocols}. */
  private MockWebServer tlsServer(List<Protocol> protocols) throws Exception {
    MockWebServer s = new MockWebServer();
    s.useHttps(MeshPki.serverTls(pki.issue("reviews")).sslContext().getSocketFactory());
    s.requireClientAuth();
    s.setProtocols(protocols);
    s.start(InetAddress.getLoopbackAddress(), 0);
    return s;
  }

  private String call() throws Exception {
    try (Response r = http.newCall(new Request.Builder().url("http://reviews:9080/").build()).execute()) {
      String flags = r.header(MeshInterceptor.RESPONSE_FLAGS_HEADER);
      return r.code() + " " + r.body().string() + (flags == null ? "" : " [" + flags + "]");
    }
  }

  /**
   * A call that warms a pooled TLS connection, then one whose first attempt gets no headers: {@code per_try_timeout}
   * (4 s; it also caps the connect and TLS handshake of each attempt's connection, which a loaded 2-CPU machine may take
   * more than a second over) cuts it and the retry answers.
   */
  private void slowThenFast(List<Protocol> protocols) throws Exception {
    server = tlsServer(protocols);
    server.enqueue(new MockResponse.Builder().body("warm").build());
    server.enqueue(new MockResponse.Builder().headersDelay(60, TimeUnit.SECONDS).body("slow").build());
    server.enqueue(new MockResponse.Builder().body("fast").build());
    serve(perTry(4_000), 5_000, server.getPort());
    assertThat(call()).isEqualTo("200 warm");
    long start = System.nanoTime();
    assertThat(call()).isEqualTo("200 fast");
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(3_900L, 30_000L);
    assertThat(server.getRequestCount()).isEqualTo(3);
  }

  @Test
  void perTryTimeoutCutsASlowAttemptOverMutualTlsHttp1AndTheRetryAnswers() throws Exception {
    slowThenFast(List.of(Protocol.HTTP_1_1));
  }

  @Test
  void perTryTimeoutResetsOnlyTheSlowStreamWhenAlpnChoseHttp2AndTheRetryAnswersOnTheSameConnection() throws Exception {
    slowThenFast(List.of(Protocol.HTTP_2, Protocol.HTTP_1_1));
    List<RecordedRequest> seen = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      seen.add(server.takeRequest(5, TimeUnit.SECONDS));
    }
    assertThat(seen).extracting(RecordedRequest::getConnectionIndex).as("one TLS connection").containsOnly(0);
    assertThat(seen.get(2).getUrl().scheme()).isEqualTo("https");
  }

  @Test
  void theRouteTimeoutCutsHeadersThatStallOverMutualTlsWith504Ut() throws Exception {
    server = tlsServer(List.of(Protocol.HTTP_1_1));
    server.enqueue(new MockResponse.Builder().headersDelay(10, TimeUnit.SECONDS).body("slow").build());
    serve(RouteAction.newBuilder().setTimeout(ms(400)), 5_000, server.getPort());
    long start = System.nanoTime();
    assertThat(call()).isEqualTo("504 upstream request timeout [UT]");
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(350L, 5_000L);
  }

  @Test
  void theClustersConnectTimeoutBoundsATlsHandshakeTheServerNeverAnswersWithUf() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      List<Socket> accepted = java.util.Collections.synchronizedList(new ArrayList<>());
      Thread acceptor = new Thread(() -> {
        try {
          while (true) {
            accepted.add(silent.accept()); // accepted, read from never: the ClientHello gets no answer
          }
        } catch (java.io.IOException closed) {
          // the test is over
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
      serve(RouteAction.newBuilder().setTimeout(ms(0)), 300, silent.getLocalPort());
      long start = System.nanoTime();
      String answer = call();
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertThat(answer).startsWith("503 ").endsWith("[UF]");
      assertThat(tookMs).as("bounded by connect_timeout, not by the client's 10 s read timeout").isBetween(250L, 5_000L);
      for (Socket s : accepted) {
        s.close();
      }
    }
  }
}
