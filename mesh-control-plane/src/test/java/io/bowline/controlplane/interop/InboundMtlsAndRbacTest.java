package io.bowline.controlplane.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.bowline.api.MeshClient;
import io.bowline.controlplane.LocalControlPlane;
import io.bowline.controlplane.TestConfigs;
import io.bowline.runtime.RuntimeMeshClient;
import io.bowline.runtime.adapter.grpc.BowlineGrpcServer;
import io.bowline.runtime.inbound.InboundMode;
import io.bowline.runtime.inbound.InboundPort;
import io.bowline.runtime.inbound.InboundRequest;
import io.bowline.runtime.inbound.PeerIdentity;
import io.bowline.runtime.inbound.RbacDecision;
import io.bowline.tls.Pem;
import io.bowline.tls.SpiffePeerPolicy;
import io.bowline.tls.SpiffeTrustManager;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.grpc.TlsChannelCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15 part 6, end to end on loopback: Istio YAML (PeerAuthentication, AuthorizationPolicy) served by the
 * {@link LocalControlPlane} as the server listener {@code xds.istio.io/grpc/lds/inbound/0.0.0.0:<port>}; a Bowline
 * mesh client whose workload is that server reads it (gRFC A36) and protects a plain grpc-java server
 * ({@link BowlineGrpcServer}) and a JDK HTTPS server (through {@link InboundPort}). Peers are grpc-java clients
 * with workload certificates of a test CA ({@link TestCertificates}) and Debian's {@code openssl s_client}. The
 * grpc-java clients send Istio's peer metadata headers, as a sidecar's outbound does; the service never sees them.
 */
class InboundMtlsAndRbacTest {
  private static final String SERVER_ID = "spiffe://cluster.local/ns/default/sa/greeter";
  private static final String PRODUCTPAGE = "spiffe://cluster.local/ns/default/sa/productpage";
  private static final String OTHER_NAMESPACE = "spiffe://cluster.local/ns/other/sa/sleep";

  @TempDir
  Path dir;
  private final TestCertificates ca = new TestCertificates();
  private int port;
  private LocalControlPlane controlPlane;
  private MeshClient mesh;
  private Server grpcServer;
  private HttpsServer httpServer;
  private final List<String> peersSeen = new CopyOnWriteArrayList<>();
  private static final io.grpc.Metadata.Key<String> PEER_METADATA =
      io.grpc.Metadata.Key.of("x-envoy-peer-metadata", io.grpc.Metadata.ASCII_STRING_MARSHALLER);
  private static final io.grpc.Metadata.Key<String> PEER_METADATA_ID =
      io.grpc.Metadata.Key.of("x-envoy-peer-metadata-id", io.grpc.Metadata.ASCII_STRING_MARSHALLER);

  @BeforeEach
  void workload() throws IOException {
    Files.createDirectories(dir.resolve("config"));
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    TestConfigs.write(dir.resolve("config"), "00-greeter.yaml", GreeterService.yaml(port, "greeter"));
    ca.issue(SERVER_ID, dir.resolve("server"));
  }

  @AfterEach
  void stop() throws Exception {
    if (grpcServer != null) {
      grpcServer.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (httpServer != null) {
      httpServer.stop(0);
    }
    if (mesh != null) {
      mesh.close();
    }
    if (controlPlane != null) {
      controlPlane.close();
    }
  }

  private InboundPort startMesh(String securityYaml) throws Exception {
    TestConfigs.write(dir.resolve("config"), "10-security.yaml", securityYaml);
    controlPlane = LocalControlPlane.builder(dir.resolve("config")).port(0).start();
    assertThat(controlPlane.diagnostics()).noneMatch(d -> d.isError());
    mesh = MeshClient.builder()
        .workload("greeter-1", "default")
        .label("app", "greeter")
        .bootstrapJson("""
            {"xds_servers": [{"server_uri": "127.0.0.1:%d", "channel_creds": [{"type": "insecure"}],
              "server_features": ["xds_v3"]}],
             "node": {"id": "sidecar~127.0.0.1~greeter-1.default~default.svc.cluster.local"},
             "server_listener_resource_name_template": "xds.istio.io/grpc/lds/inbound/%%s"
             %s}
            """.formatted(controlPlane.port(), TestCertificates.certificateProviders(dir.resolve("server"))))
        .build();
    RuntimeMeshClient runtime = RuntimeMeshClient.of(mesh);
    assertThat(runtime.serverListeners().awaitListener(port, Duration.ofSeconds(20))).as("server listener").isTrue();
    assertThat(controlPlane.acks().nacks()).isEmpty();
    return runtime.serverListeners().port(port);
  }

  private void startGrpc() throws Exception {
    ServerInterceptor recordPeer = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, io.grpc.Metadata headers,
          ServerCallHandler<Q, R> next) {
        PeerIdentity peer = BowlineGrpcServer.PEER_IDENTITY.get();
        peersSeen.add(peer == null ? "(plaintext)" : peer.principal());
        if (headers.containsKey(PEER_METADATA) || headers.containsKey(PEER_METADATA_ID)) {
          peersSeen.add("Istio's peer metadata headers reached the service");
        }
        return next.startCall(call, headers);
      }
    };
    grpcServer = Grpc.newServerBuilderForPort(port, BowlineGrpcServer.serverCredentials(mesh, port,
            Duration.ofSeconds(10)))
        .intercept(BowlineGrpcServer.interceptor(mesh, port))
        .addService(ServerInterceptors.intercept(new HealthStatusManager().getHealthService(), recordPeer))
        .build().start();
  }

  /** A grpc-java client presenting a workload certificate for {@code id} of {@code issuer}, or none. */
  private HealthCheckResponse.ServingStatus check(TestCertificates issuer, String id) throws Exception {
    ChannelCredentials credentials;
    if (issuer == null) {
      credentials = InsecureChannelCredentials.create();
    } else {
      Path files = issuer.issue(id, dir.resolve("client-" + Integer.toHexString(id.hashCode() ^ issuer.hashCode())));
      SpiffeTrustManager trust = new SpiffeTrustManager(SpiffePeerPolicy.anyIn("cluster.local"));
      trust.updateTrustBundle(Pem.certificates(Files.readString(dir.resolve("server/root-cert.pem")), "root"));
      credentials = TlsChannelCredentials.newBuilder()
          .keyManager(files.resolve("cert-chain.pem").toFile(), files.resolve("key.pem").toFile())
          .trustManager(trust).build();
    }
    ManagedChannel channel = Grpc.newChannelBuilderForAddress("127.0.0.1", port, credentials).build();
    io.grpc.Metadata exchange = new io.grpc.Metadata(); // as an Istio sidecar's outbound sends it
    exchange.put(PEER_METADATA, "CgkKBE5BTUUSARg=");
    exchange.put(PEER_METADATA_ID, "sidecar~10.0.0.1~productpage-v1.default~default.svc.cluster.local");
    try {
      return HealthGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(exchange))
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .check(HealthCheckRequest.getDefaultInstance()).getStatus();
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static void assertRefused(ThrowingCall call, Status.Code code) {
    assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class,
        e -> assertThat(e.getStatus().getCode()).isEqualTo(code));
  }

  @FunctionalInterface
  private interface ThrowingCall {
    void run() throws Exception;
  }

  private static final String STRICT = """
      apiVersion: security.istio.io/v1
      kind: PeerAuthentication
      metadata: {name: default, namespace: istio-system}
      spec: {mtls: {mode: STRICT}}
      """;

  @Test
  void strictPortServesWorkloadCertificatesAndRefusesPlaintextUntrustedCaAndForeignTrustDomain() throws Exception {
    InboundPort inbound = startMesh(STRICT);
    assertThat(inbound.mode()).isEqualTo(InboundMode.STRICT);
    startGrpc();

    assertThat(check(ca, PRODUCTPAGE)).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    assertThat(peersSeen).containsExactly(PRODUCTPAGE);

    assertRefused(() -> check(null, ""), Status.Code.UNAVAILABLE);
    assertRefused(() -> check(new TestCertificates(), PRODUCTPAGE), Status.Code.UNAVAILABLE);
    assertRefused(() -> check(ca, "spiffe://example.org/ns/default/sa/productpage"), Status.Code.UNAVAILABLE);
    assertThat(peersSeen).as("nothing refused reached the service").containsExactly(PRODUCTPAGE);
  }

  @Test
  void aPlaintextClientOnAStrictPortIsRefusedBeforeAnythingIsRead() throws Exception {
    InboundPort inbound = startMesh(STRICT);
    try (ServerSocket server = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
        Socket client = new Socket("127.0.0.1", server.getLocalPort())) {
      client.getOutputStream().write("GET / HTTP/1.1\r\nHost: greeter\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      Socket accepted = server.accept();
      assertThatThrownBy(() -> inbound.accept(accepted)).isInstanceOf(javax.net.ssl.SSLHandshakeException.class)
          .hasMessageContaining("plaintext connection from").hasMessageContaining("refused: the port requires mTLS"
              + " (PeerAuthentication STRICT)");
      assertThat(accepted.isClosed()).isTrue();
      assertThat(client.getInputStream().read()).as("nothing sent back").isEqualTo(-1);
    }
  }

  @Test
  void denyPolicyIsPermissionDeniedAndDenyComesBeforeAllow() throws Exception {
    startMesh(STRICT + """
        ---
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: allow-default-namespace}
        spec:
          selector: {matchLabels: {app: greeter}}
          rules: [{from: [{source: {namespaces: [default]}}]}]
        ---
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: deny-productpage}
        spec:
          action: DENY
          rules: [{from: [{source: {principals: [cluster.local/ns/default/sa/productpage]}}]}]
        """);
    startGrpc();

    assertThat(check(ca, "spiffe://cluster.local/ns/default/sa/reviews")).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    assertRefused(() -> check(ca, PRODUCTPAGE), Status.Code.PERMISSION_DENIED);
    assertRefused(() -> check(ca, OTHER_NAMESPACE), Status.Code.PERMISSION_DENIED);
    assertThat(peersSeen).containsExactly("spiffe://cluster.local/ns/default/sa/reviews");
  }

  @Test
  void allowByPrincipalAndPathOverHttpsAnswers403RbacAccessDenied() throws Exception {
    InboundPort inbound = startMesh(STRICT + """
        ---
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: allow-productpage-reviews}
        spec:
          selector: {matchLabels: {app: greeter}}
          rules:
          - from: [{source: {principals: [cluster.local/ns/default/sa/productpage]}}]
            to: [{operation: {methods: [GET], paths: [/reviews/*]}}]
        """);
    startHttps(inbound);
    Path productpage = ca.issue(PRODUCTPAGE, dir.resolve("productpage"));
    Path sleep = ca.issue(OTHER_NAMESPACE, dir.resolve("sleep"));

    assertThat(sClient(productpage, "/reviews/1")).contains("HTTP/1.1 200").contains("peer " + PRODUCTPAGE);
    assertThat(sClient(productpage, "/ratings/1")).contains("HTTP/1.1 403").contains(RbacDecision.DENIED_BODY);
    assertThat(sClient(sleep, "/reviews/1")).contains("HTTP/1.1 403").contains(RbacDecision.DENIED_BODY);
    String anonymous = sClient(null, "/reviews/1");
    assertThat(anonymous).doesNotContain("HTTP/1.1");
    assertThat(peersSeen).containsExactly(PRODUCTPAGE, PRODUCTPAGE, OTHER_NAMESPACE);
  }

  /** A JDK HTTPS server on the inbound port: TLS from {@link InboundPort#sslContext()}, RBAC per request. */
  private void startHttps(InboundPort inbound) throws IOException {
    httpServer = HttpsServer.create(new InetSocketAddress("127.0.0.1", port), 0);
    httpServer.setHttpsConfigurator(new HttpsConfigurator(inbound.sslContext()) {
      @Override
      public void configure(HttpsParameters params) {
        params.setSSLParameters(inbound.sslParameters());
      }
    });
    httpServer.createContext("/", exchange -> {
      PeerIdentity peer = PeerIdentity.of(((HttpsExchange) exchange).getSSLSession());
      peersSeen.add(peer == null ? "(none)" : peer.principal());
      RbacDecision decision = inbound.check(new InboundRequest(peer, true, "", exchange.getLocalAddress(),
          exchange.getRemoteAddress(), exchange.getRequestMethod(), exchange.getRequestURI().toString(),
          String.valueOf(exchange.getRequestHeaders().getFirst("Host")), exchange.getRequestHeaders()));
      byte[] body = (decision.allowed() ? "peer " + peer.principal() : RbacDecision.DENIED_BODY)
          .getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(decision.allowed() ? 200 : 403, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    httpServer.start();
  }

  /** {@code openssl s_client} (Debian's) sending one HTTP/1.1 request, with {@code files}' certificate or none. */
  private String sClient(Path files, String path) throws Exception {
    return OpensslClient.get(dir.resolve("server/root-cert.pem"), files, port, path);
  }
}
