package io.bowline.controlplane.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.bowline.controlplane.LocalControlPlane;
import io.bowline.controlplane.TestConfigs;
import io.bowline.controlplane.translate.ClientView;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.internal.JsonParser;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.xds.XdsServerBuilder;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proof that a gRPC xDS server we did not write accepts and enforces the inbound listener we translate
 * from Istio security YAML: grpc-java's own {@code XdsServerBuilder} (bootstrap with
 * {@code server_listener_resource_name_template} {@code xds.istio.io/grpc/lds/inbound/%s}, node labels
 * {@code app: greeter}) fetches {@code xds.istio.io/grpc/lds/inbound/0.0.0.0:<port>} from our
 * {@link LocalControlPlane}, ACKs it, and its RBAC filters answer as Istio's AuthorizationPolicy says: DENY is
 * evaluated before ALLOW, and with an ALLOW policy whatever it does not match is denied (plaintext: PERMISSIVE
 * and DISABLE). With STRICT mTLS, an ISTIO_MUTUAL DestinationRule and workload certificates from a test CA
 * ({@link TestCertificates}, gRPC {@code file_watcher} certificate providers), grpc-java's xDS client and
 * server authenticate each other as our TLS contexts say and the ALLOW policy matches the client's SPIFFE ID.
 */
class GrpcXdsServerAuthorizationTest {
  /** Mesh-wide STRICT mTLS and an ISTIO_MUTUAL DestinationRule for greeter. */
  private static final String STRICT_AND_ISTIO_MUTUAL = """
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: default, namespace: istio-system}
        spec: {mtls: {mode: STRICT}}
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: greeter}
        spec:
          host: greeter
          trafficPolicy: {tls: {mode: ISTIO_MUTUAL}}
        """;


  private static final String NODE_ID = "sidecar~127.0.0.1~greeter-1.default~default.svc.cluster.local";
  private static final ClientView VIEW = new ClientView("default", Map.of("app", "greeter"));
  private static final String LDS = "type.googleapis.com/envoy.config.listener.v3.Listener";

  private Path dir;
  private LocalControlPlane controlPlane;
  private Server server;
  private ManagedChannel channel;
  private int port;

  @BeforeEach
  void start() throws IOException {
    dir = Files.createTempDirectory("grpc-xds-server");
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    TestConfigs.write(dir, "00-greeter.yaml", GreeterService.yaml(port, null));
  }

  @AfterEach
  void stop() throws Exception {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (controlPlane != null) {
      controlPlane.close();
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Test
  void denyPolicyRejectsOneMethodWhileTheOtherIsServed() throws Exception {
    TestConfigs.write(dir, "10-security.yaml", """
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: default}
        spec:
          mtls: {mode: PERMISSIVE}
        ---
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: deny-check}
        spec:
          selector: {matchLabels: {app: greeter}}
          action: DENY
          rules:
          - to: [{operation: {paths: [/grpc.health.v1.Health/Check]}}]
        """);
    startControlPlaneAndServer();

    assertThatThrownBy(this::check).isInstanceOfSatisfying(StatusRuntimeException.class,
        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
    assertThat(watch()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    assertServerAckedItsListener();
  }

  @Test
  void denyComesBeforeAllowAndAllowMatchesOnlyWhatItNames() throws Exception {
    TestConfigs.write(dir, "10-security.yaml", """
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: greeter}
        spec:
          selector: {matchLabels: {app: greeter}}
          portLevelMtls:
            %d: {mode: DISABLE}
        ---
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: allow-health}
        spec:
          selector: {matchLabels: {app: greeter}}
          rules:
          - to: [{operation: {paths: [/grpc.health.v1.Health/*], methods: [POST]}}]
        ---
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: deny-watch}
        spec:
          action: DENY
          rules:
          - to: [{operation: {paths: ["*/Watch"]}}]
        """.formatted(port));
    startControlPlaneAndServer();

    assertThat(check()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    assertThatThrownBy(this::watch).isInstanceOfSatisfying(StatusRuntimeException.class,
        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
    assertServerAckedItsListener();

    // The same listener with the ALLOW policy's path changed: Check is no longer allowed.
    TestConfigs.write(dir, "10-security.yaml", Files.readString(dir.resolve("10-security.yaml"))
        .replace("/grpc.health.v1.Health/*", "/grpc.health.v1.Health/Other"));
    assertThat(controlPlane.reload()).as("reload: %s", controlPlane.diagnostics()).isTrue();
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThatThrownBy(this::check)
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED)));
    assertServerAckedItsListener();
  }

  @Test
  void strictListenerAndIstioMutualClusterAreAckedByGrpcJava() throws Exception {
    TestConfigs.write(dir, "10-security.yaml", STRICT_AND_ISTIO_MUTUAL);
    startControlPlaneAndServer(CERTIFICATE_PROVIDERS);
    assertServerAckedItsListener();

    // grpc-java's xDS client with its own bootstrap (a client workload of namespace default) resolves the greeter
    // service through the ISTIO_MUTUAL cluster; with insecure channel credentials it ignores the TLS context
    // (A29), so the call goes through in plaintext once every resource is accepted.
    ManagedChannel xds = xdsClient(CERTIFICATE_PROVIDERS, io.grpc.InsecureChannelCredentials.create());
    try {
      await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> assertThat(
          HealthGrpc.newBlockingStub(xds).withDeadlineAfter(5, TimeUnit.SECONDS)
              .check(HealthCheckRequest.getDefaultInstance()).getStatus())
          .isEqualTo(HealthCheckResponse.ServingStatus.SERVING));
      ClientView clientView = new ClientView("default", Map.of("app", "client"));
      for (String type : BookinfoReviewsMesh.TYPES) {
        assertThat(controlPlane.acks().ackedVersion(CLIENT_NODE_ID, type)).as(type)
            .isEqualTo(controlPlane.servedVersion(clientView, type));
      }
      assertThat(controlPlane.acks().nacks()).isEmpty();
    } finally {
      xds.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void strictMtlsWithIstioMutualAuthenticatesBothSidesAndAuthorizesThePrincipal(@TempDir Path certificates)
      throws Exception {
    TestCertificates ca = new TestCertificates();
    Path serverFiles = ca.issue("spiffe://cluster.local/ns/default/sa/greeter", certificates.resolve("server"));
    Path clientFiles = ca.issue("spiffe://cluster.local/ns/default/sa/client", certificates.resolve("client"));
    TestConfigs.write(dir, "00-greeter.yaml", Files.readString(dir.resolve("00-greeter.yaml"))
        .replace("labels: {app: greeter}\n", "labels: {app: greeter}\n  serviceAccount: greeter\n"));
    TestConfigs.write(dir, "10-security.yaml", STRICT_AND_ISTIO_MUTUAL + """
        ---
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: client-may-check}
        spec:
          selector: {matchLabels: {app: greeter}}
          rules:
          - from: [{source: {principals: [cluster.local/ns/default/sa/client]}}]
            to: [{operation: {paths: [/grpc.health.v1.Health/Check]}}]
        """);
    startControlPlaneAndServer(TestCertificates.certificateProviders(serverFiles),
        io.grpc.xds.XdsServerCredentials.create(InsecureServerCredentials.create()));
    assertServerAckedItsListener();

    ManagedChannel xds = xdsClient(TestCertificates.certificateProviders(clientFiles),
        io.grpc.xds.XdsChannelCredentials.create(io.grpc.InsecureChannelCredentials.create()));
    try {
      // mTLS both ways (the client checks the server's SPIFFE ID from the WorkloadEntry's serviceAccount),
      // and the ALLOW policy matches the client's certificate URI SAN on Check only.
      await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> assertThat(
          HealthGrpc.newBlockingStub(xds).withDeadlineAfter(5, TimeUnit.SECONDS)
              .check(HealthCheckRequest.getDefaultInstance()).getStatus())
          .isEqualTo(HealthCheckResponse.ServingStatus.SERVING));
      assertThatThrownBy(() -> HealthGrpc.newBlockingStub(xds).withDeadlineAfter(5, TimeUnit.SECONDS)
          .watch(HealthCheckRequest.getDefaultInstance()).next())
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
      // STRICT: a plaintext client cannot even complete a call.
      assertThatThrownBy(this::check).isInstanceOfSatisfying(StatusRuntimeException.class,
          e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
      assertThat(controlPlane.acks().nacks()).isEmpty();
    } finally {
      xds.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    // Another mesh identity completes the mTLS handshake but is not the allowed principal.
    Path intruderFiles = ca.issue("spiffe://cluster.local/ns/default/sa/intruder", certificates.resolve("intruder"));
    ManagedChannel intruder = xdsClient(TestCertificates.certificateProviders(intruderFiles),
        io.grpc.xds.XdsChannelCredentials.create(io.grpc.InsecureChannelCredentials.create()));
    try {
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThatThrownBy(() -> HealthGrpc
          .newBlockingStub(intruder).withDeadlineAfter(5, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance()))
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED)));
    } finally {
      intruder.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static final String CLIENT_NODE_ID = "sidecar~127.0.0.2~client-1.default~default.svc.cluster.local";

  /**
   * grpc-java's xDS client with its own bootstrap (a client workload of namespace default, labels
   * {@code app: client}): a channel to {@code greeter.default.svc.cluster.local:8080}.
   */
  private ManagedChannel xdsClient(String bootstrapExtra, io.grpc.ChannelCredentials credentials)
      throws IOException {
    @SuppressWarnings("unchecked")
    Map<String, ?> clientBootstrap = (Map<String, ?>) JsonParser.parse(bootstrap(CLIENT_NODE_ID, "client", bootstrapExtra));
    String scheme = "xds-client-" + SCHEMES.incrementAndGet();
    return io.grpc.Grpc.newChannelBuilder(scheme + ":///greeter.default.svc.cluster.local:8080", credentials)
        .nameResolverFactory(io.grpc.xds.XdsNameResolverProvider.createForTest(scheme, clientBootstrap))
        .build();
  }

  private static final java.util.concurrent.atomic.AtomicInteger SCHEMES = new java.util.concurrent.atomic.AtomicInteger();

  /** A file_watcher certificate provider {@code default}, as Istio's agent writes it (files never read here). */
  private static final String CERTIFICATE_PROVIDERS = """
      ,"certificate_providers": {"default": {"plugin_name": "file_watcher", "config": {
        "certificate_file": "/var/run/bowline/cert-chain.pem", "private_key_file": "/var/run/bowline/key.pem",
        "ca_certificate_file": "/var/run/bowline/root-cert.pem", "refresh_interval": "900s"}}}
      """;

  private String bootstrap(String nodeId, String app, String extra) {
    return """
        {
          "xds_servers": [{
            "server_uri": "127.0.0.1:%d",
            "channel_creds": [{"type": "insecure"}],
            "server_features": ["xds_v3"]
          }],
          "node": {
            "id": "%s",
            "metadata": {"GENERATOR": "grpc", "NAMESPACE": "default", "LABELS": {"app": "%s"}}
          },
          "server_listener_resource_name_template": "xds.istio.io/grpc/lds/inbound/%%s"
          %s
        }
        """.formatted(controlPlane.port(), nodeId, app, extra);
  }

  private void startControlPlaneAndServer() throws Exception {
    startControlPlaneAndServer("");
  }

  private void startControlPlaneAndServer(String bootstrapExtra) throws Exception {
    startControlPlaneAndServer(bootstrapExtra, InsecureServerCredentials.create());
  }

  private void startControlPlaneAndServer(String bootstrapExtra, io.grpc.ServerCredentials credentials)
      throws Exception {
    controlPlane = LocalControlPlane.builder(dir).port(0).start();
    assertThat(controlPlane.diagnostics()).noneMatch(d -> d.isError());
    CountDownLatch serving = new CountDownLatch(1);
    HealthStatusManager health = new HealthStatusManager();
    @SuppressWarnings("unchecked")
    Map<String, ?> bootstrap = (Map<String, ?>) JsonParser.parse(bootstrap(NODE_ID, "greeter", bootstrapExtra));
    server = XdsServerBuilder.forPort(port, credentials)
        .addService(health.getHealthService())
        .xdsServingStatusListener(new XdsServerBuilder.XdsServingStatusListener() {
          @Override
          public void onServing() {
            serving.countDown();
          }

          @Override
          public void onNotServing(Throwable throwable) {}
        })
        .overrideBootstrapForTest(bootstrap)
        .build()
        .start();
    assertThat(serving.await(30, TimeUnit.SECONDS)).as("grpc-java's xDS server is serving").isTrue();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
  }

  private HealthCheckResponse.ServingStatus check() {
    return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance()).getStatus();
  }

  private HealthCheckResponse.ServingStatus watch() {
    Iterator<HealthCheckResponse> responses = HealthGrpc.newBlockingStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS).watch(HealthCheckRequest.getDefaultInstance());
    return responses.next().getStatus();
  }

  private void assertServerAckedItsListener() {
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(controlPlane.acks().ackedVersion(NODE_ID, LDS))
        .isEqualTo(controlPlane.servedVersion(VIEW, LDS)));
    assertThat(controlPlane.acks().nacks()).isEmpty();
  }
}
