package io.bowline.runtime.tls;

import static io.bowline.runtime.testing.EnvoyResources.edsCluster;
import static io.bowline.runtime.testing.EnvoyResources.endpoints;
import static io.bowline.runtime.testing.EnvoyResources.listener;
import static io.bowline.runtime.testing.EnvoyResources.prefix;
import static io.bowline.runtime.testing.EnvoyResources.routes;
import static io.bowline.runtime.testing.EnvoyResources.toCluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import io.bowline.api.MeshClient;
import io.bowline.runtime.adapter.grpc.BowlineGrpc;
import io.bowline.runtime.adapter.okhttp.BowlineOkHttp;
import io.bowline.runtime.adapter.okhttp.MeshInterceptor;
import io.bowline.runtime.testing.XdsTestServer;
import io.bowline.runtime.xds.resource.TypeUrls;
import io.bowline.tls.CertificateAuthority;
import io.bowline.tls.SpiffeTls;
import io.bowline.tls.WorkloadCertificate;
import io.bowline.tls.X509Svid;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateProviderPluginInstance;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsServerCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSession;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Outbound mTLS (issue 15 part 4) over a real ADS stream: a cluster whose {@code transport_socket} is the
 * {@code UpstreamTlsContext} istiod writes for ISTIO_MUTUAL (certificate provider instance {@code default} in the
 * current and deprecated fields, SAN match on the server's SPIFFE ID) makes OkHttp calls go out as HTTPS with the
 * workload certificate from the bootstrap's {@code file_watcher} provider; the server is verified as a SPIFFE
 * peer. Every refusal is a real handshake on loopback and a 503 {@code UF}, and nothing reaches the server in
 * plaintext.
 */
class UpstreamMtlsTest {
  private static final String SVC = "reviews.default.svc.cluster.local";
  private static final String CLUSTER = "outbound|9080||" + SVC;
  private static final String SNI = "outbound_.9080_._." + SVC;

  @TempDir Path certs;
  private final MeshPki pki = new MeshPki();
  private XdsTestServer xds;
  private MockWebServer server;
  private MeshClient mesh;

  @BeforeEach
  void start() throws Exception {
    xds = new XdsTestServer();
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

  /** The context istiod's grpc generator writes (both field generations), accepting {@code sans}. */
  @SuppressWarnings("deprecation")
  static UpstreamTlsContext istioMutual(List<String> sans, String sni) {
    CertificateValidationContext.Builder validation = CertificateValidationContext.newBuilder()
        .setCaCertificateProviderInstance(CertificateProviderPluginInstance.newBuilder()
            .setInstanceName("default").setCertificateName("ROOTCA"));
    sans.forEach(san -> validation.addMatchSubjectAltNames(StringMatcher.newBuilder().setExact(san)));
    return UpstreamTlsContext.newBuilder().setSni(sni).setCommonTlsContext(CommonTlsContext.newBuilder()
        .setTlsCertificateProviderInstance(CertificateProviderPluginInstance.newBuilder()
            .setInstanceName("default").setCertificateName("default"))
        .setTlsCertificateCertificateProviderInstance(CommonTlsContext.CertificateProviderInstance.newBuilder()
            .setInstanceName("default").setCertificateName("default"))
        .setCombinedValidationContext(CommonTlsContext.CombinedCertificateValidationContext.newBuilder()
            .setValidationContextCertificateProviderInstance(CommonTlsContext.CertificateProviderInstance.newBuilder()
                .setInstanceName("default").setCertificateName("ROOTCA"))
            .setDefaultValidationContext(validation)))
        .build();
  }

  static Cluster tlsCluster(UpstreamTlsContext context) {
    return edsCluster(CLUSTER, Cluster.LbPolicy.ROUND_ROBIN).toBuilder().setTransportSocket(TransportSocket.newBuilder()
        .setName("envoy.transport_sockets.tls").setTypedConfig(Any.pack(context))).build();
  }

  private void serve(UpstreamTlsContext context, int port) {
    xds.set(Snapshot.create(List.of(tlsCluster(context)), List.of(endpoints(CLUSTER, port)), List.of(listener(SVC, 9080)),
        List.of(routes(SVC, 9080, toCluster(prefix(""), CLUSTER))), List.of(), "1"));
  }

  /** An HTTPS server presenting {@code certificate} that requires a client certificate. */
  private MockWebServer httpsServer(WorkloadCertificate certificate) throws Exception {
    SpiffeTls tls = MeshPki.serverTls(certificate);
    MockWebServer s = new MockWebServer();
    s.useHttps(tls.sslContext().getSocketFactory());
    s.requireClientAuth();
    s.enqueue(new MockResponse.Builder().body("reviews").build());
    s.start(0);
    return s;
  }

  private OkHttpClient meshClient(String refresh) throws Exception {
    return meshClient(refresh, Duration.ofSeconds(15));
  }

  private OkHttpClient meshClient(String refresh, Duration initialFetchTimeout) throws Exception {
    mesh = MeshClient.builder().bootstrapJson(MeshPki.bootstrap(xds.address(), certs, refresh))
        .initialFetchTimeout(initialFetchTimeout).build();
    mesh.awaitReady(Duration.ofSeconds(30));
    return BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
  }

  private static Response get(OkHttpClient http) throws Exception {
    return http.newCall(new Request.Builder().url("http://reviews:9080/reviews/0").build()).execute();
  }

  @Test
  void anOkHttpCallToAnIstioMutualClusterGoesOutOverMutualTlsWithTheWorkloadCertificate() throws Exception {
    MeshPki.write(certs, pki.issue("productpage"));
    server = httpsServer(pki.issue("reviews"));
    serve(istioMutual(List.of(MeshPki.id("reviews").uri()), SNI), server.getPort());
    OkHttpClient http = meshClient("600s");
    try (Response r = get(http)) {
      assertThat(r.code()).as(r.peekBody(4096).string()).isEqualTo(200);
      assertThat(r.body().string()).isEqualTo("reviews");
      assertThat(r.request().url().toString()).as("the caller's request").isEqualTo("http://reviews:9080/reviews/0");
    }
    RecordedRequest seen = server.takeRequest(5, TimeUnit.SECONDS);
    assertThat(seen.getUrl().scheme()).isEqualTo("https");
    String authority = seen.getHeaders().get("Host") != null ? seen.getHeaders().get("Host") : seen.getHeaders().get(":authority");
    assertThat(authority).isEqualTo("reviews:9080");
    X509Certificate client = (X509Certificate) seen.getHandshake().peerCertificates().get(0);
    assertThat(X509Svid.leafId(client).uri()).as("the client identity the server saw")
        .isEqualTo("spiffe://cluster.local/ns/default/sa/productpage");
  }

  /**
   * Istio auto-mTLS (the DestinationRule sets no TLS): the cluster's {@code transport_socket_matches} send
   * endpoints whose {@code envoy.transport_socket_match} metadata says {@code tlsMode: istio} ISTIO_MUTUAL and the
   * rest plaintext, per endpoint.
   */
  @Test
  void autoMtlsSendsTlsOnlyToEndpointsLabelledTlsModeIstio() throws Exception {
    MeshPki.write(certs, pki.issue("productpage"));
    server = httpsServer(pki.issue("reviews"));
    server.enqueue(new MockResponse.Builder().body("reviews").build());
    try (MockWebServer legacy = new MockWebServer()) {
      legacy.enqueue(new MockResponse.Builder().body("legacy").build());
      legacy.enqueue(new MockResponse.Builder().body("legacy").build());
      legacy.start(0);
      Cluster auto = edsCluster(CLUSTER, Cluster.LbPolicy.ROUND_ROBIN).toBuilder()
          .addTransportSocketMatches(Cluster.TransportSocketMatch.newBuilder().setName("tlsMode-istio")
              .setMatch(Struct.newBuilder().putFields("tlsMode", Value.newBuilder().setStringValue("istio").build()))
              .setTransportSocket(TransportSocket.newBuilder().setName("envoy.transport_sockets.tls")
                  .setTypedConfig(Any.pack(istioMutual(List.of(), SNI)))))
          .addTransportSocketMatches(Cluster.TransportSocketMatch.newBuilder().setName("tlsMode-disabled")
              .setTransportSocket(TransportSocket.newBuilder().setName("envoy.transport_sockets.raw_buffer")))
          .build();
      ClusterLoadAssignment cla = endpoints(CLUSTER, server.getPort(), legacy.getPort());
      LbEndpoint labelled = cla.getEndpoints(0).getLbEndpoints(0).toBuilder().setMetadata(io.envoyproxy.envoy.config.core.v3.Metadata.newBuilder()
          .putFilterMetadata("envoy.transport_socket_match", Struct.newBuilder()
              .putFields("tlsMode", Value.newBuilder().setStringValue("istio").build()).build())).build();
      cla = cla.toBuilder().setEndpoints(0, cla.getEndpoints(0).toBuilder().setLbEndpoints(0, labelled)).build();
      xds.set(Snapshot.create(List.of(auto), List.of(cla), List.of(listener(SVC, 9080)),
          List.of(routes(SVC, 9080, toCluster(prefix(""), CLUSTER))), List.of(), "1"));
      OkHttpClient http = meshClient("600s");
      List<String> bodies = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        try (Response r = get(http)) {
          bodies.add(r.code() + " " + r.body().string());
        }
      }
      assertThat(bodies).containsExactlyInAnyOrder("200 reviews", "200 reviews", "200 legacy", "200 legacy");
      for (int i = 0; i < 2; i++) {
        RecordedRequest tls = server.takeRequest(5, TimeUnit.SECONDS);
        assertThat(tls.getHandshake()).isNotNull();
        RecordedRequest plain = legacy.takeRequest(5, TimeUnit.SECONDS);
        assertThat(plain.getHandshake()).as("an unlabelled endpoint gets plaintext").isNull();
      }
    }
  }

  /** A grpc-netty server presenting {@code certificate}, requiring a client certificate, recording client IDs. */
  private static Server grpcServer(WorkloadCertificate certificate, List<String> clients) throws Exception {
    SpiffeTls tls = MeshPki.serverTls(certificate);
    HealthStatusManager health = new HealthStatusManager();
    ServerInterceptor peers = new ServerInterceptor() {
      @Override
      public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
          ServerCallHandler<Q, A> next) {
        SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        try {
          clients.add(X509Svid.leafId((X509Certificate) session.getPeerCertificates()[0]).uri());
        } catch (Exception e) {
          clients.add("none: " + e);
        }
        return next.startCall(call, headers);
      }
    };
    return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0), TlsServerCredentials.newBuilder()
            .keyManager(tls.keyManager()).trustManager(tls.trustManager())
            .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE).build())
        .addService(ServerInterceptors.intercept(health.getHealthService(), peers))
        .build().start();
  }

  /**
   * A health check from the mesh client (workload {@code productpage}) to a TLS gRPC server presenting
   * {@code serverAccount}'s certificate, through a cluster that accepts only {@code reviews}.
   *
   * @param clients collects the client SPIFFE IDs the server saw
   */
  private HealthCheckResponse.ServingStatus grpcCheck(String serverAccount, List<String> clients) throws Exception {
    MeshPki.write(certs, pki.issue("productpage"));
    Server grpc = grpcServer(pki.issue(serverAccount), clients);
    try {
      serve(istioMutual(List.of(MeshPki.id("reviews").uri()), SNI), grpc.getPort());
      meshClient("600s");
      ManagedChannel channel = BowlineGrpc.channel(mesh, "xds:///" + SVC + ":9080");
      return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS)
          .check(HealthCheckRequest.getDefaultInstance()).getStatus();
    } finally {
      grpc.shutdownNow();
    }
  }

  @Test
  void aGrpcCallToAnIstioMutualClusterRunsOnATlsEndpointChannelWithTheWorkloadCertificate() throws Exception {
    List<String> clients = new java.util.concurrent.CopyOnWriteArrayList<>();
    assertThat(grpcCheck("reviews", clients)).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    assertThat(clients).containsExactly("spiffe://cluster.local/ns/default/sa/productpage");
  }

  @Test
  void aGrpcCallToAServerWithTheWrongIdentityFailsUnavailableAndReachesNothing() {
    List<String> clients = new java.util.concurrent.CopyOnWriteArrayList<>();
    assertThatThrownBy(() -> grpcCheck("ratings", clients)).isInstanceOfSatisfying(StatusRuntimeException.class,
        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    assertThat(clients).as("no call reached the server").isEmpty();
  }

  @Test
  void aServerWhoseSpiffeIdMatchesNoSanMatcherIsRefusedWithUf() throws Exception {
    MeshPki.write(certs, pki.issue("productpage"));
    server = httpsServer(pki.issue("ratings"));
    serve(istioMutual(List.of(MeshPki.id("reviews").uri()), SNI), server.getPort());
    OkHttpClient http = meshClient("600s");
    try (Response r = get(http)) {
      assertThat(r.code()).isEqualTo(503);
      assertThat(r.header(MeshInterceptor.RESPONSE_FLAGS_HEADER)).contains("UF");
    }
    assertThat(server.getRequestCount()).as("no request reached the server").isZero();
  }

  @Test
  void aServerCertificateFromAnUntrustedCaIsRefusedWithUf() throws Exception {
    MeshPki.write(certs, pki.issue("productpage"));
    MeshPki other = new MeshPki(CertificateAuthority.create(MeshPki.TRUST_DOMAIN, false));
    server = httpsServer(other.issue("reviews"));
    serve(istioMutual(List.of(MeshPki.id("reviews").uri()), SNI), server.getPort());
    OkHttpClient http = meshClient("600s");
    try (Response r = get(http)) {
      assertThat(r.code()).isEqualTo(503);
      assertThat(r.header(MeshInterceptor.RESPONSE_FLAGS_HEADER)).contains("UF");
    }
    assertThat(server.getRequestCount()).isZero();
  }

  /** The cluster warms for the initial fetch timeout (1 s here) waiting for the certificate; then calls get UF. */
  @Test
  void untilTheWorkloadCertificateExistsCallsGetUfWithTheReasonAndNothingIsSent() throws Exception {
    server = httpsServer(pki.issue("reviews"));
    serve(istioMutual(List.of(), SNI), server.getPort());
    OkHttpClient http = meshClient("1s", Duration.ofSeconds(1));
    try (Response r = get(http)) {
      assertThat(r.code()).isEqualTo(503);
      assertThat(r.header(MeshInterceptor.RESPONSE_FLAGS_HEADER)).isEqualTo("UF");
      assertThat(r.body().string()).contains("TLS is not ready for cluster " + CLUSTER).contains("default/");
    }
    assertThat(server.getRequestCount()).isZero();

    MeshPki.write(certs, pki.issue("productpage"));
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      try (Response r = get(http)) {
        return r.code() == 200;
      }
    });
  }

  @Test
  void aContextNamingAProviderInstanceTheBootstrapLacksIsNackedNamingClusterAndField() throws Exception {
    MeshPki.write(certs, pki.issue("productpage"));
    UpstreamTlsContext unknown = istioMutual(List.of(), SNI).toBuilder()
        .setCommonTlsContext(istioMutual(List.of(), SNI).getCommonTlsContext().toBuilder()
            .setTlsCertificateProviderInstance(CertificateProviderPluginInstance.newBuilder()
                .setInstanceName("spire").setCertificateName("default")))
        .build();
    serve(unknown, 1);
    mesh = MeshClient.builder().bootstrapJson(MeshPki.bootstrap(xds.address(), certs, "600s"))
        .initialFetchTimeout(Duration.ofSeconds(1)).build();
    await().atMost(Duration.ofSeconds(10)).until(() -> xds.requests().stream()
        .anyMatch(r -> r.getTypeUrl().equals(TypeUrls.CLUSTER) && r.hasErrorDetail()));
    String nack = xds.requests().stream().filter(r -> r.getTypeUrl().equals(TypeUrls.CLUSTER) && r.hasErrorDetail())
        .findFirst().orElseThrow().getErrorDetail().getMessage();
    assertThat(nack).isEqualTo("Cluster '" + CLUSTER + "': transport_socket.typed_config.common_tls_context"
        + ".tls_certificate_provider_instance.instance_name: certificate provider instance 'spire' is not defined by"
        + " the bootstrap's certificate_providers [default]");
  }
}
