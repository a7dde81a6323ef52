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

/**
 * The proof that a gRPC xDS server we did not write accepts and enforces the inbound listener we translate
 * from Istio security YAML: grpc-java's own {@code XdsServerBuilder} (bootstrap with
 * {@code server_listener_resource_name_template} {@code xds.istio.io/grpc/lds/inbound/%s}, node labels
 * {@code app: greeter}) fetches {@code xds.istio.io/grpc/lds/inbound/0.0.0.0:<port>} from our
 * {@link LocalControlPlane}, ACKs it, and its RBAC filters answer as Istio's AuthorizationPolicy says: DENY is
 * evaluated before ALLOW, and with an ALLOW policy whatever it does not match is denied. Plaintext (PERMISSIVE
 * and DISABLE), so no certificates are needed.
 */
class GrpcXdsServerAuthorizationTest {

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
    TestConfigs.write(dir, "00-greeter.yaml", """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: greeter}
        spec:
          hosts: [greeter.default.svc.cluster.local]
          ports: [{number: 8080, name: grpc, protocol: GRPC, targetPort: %d}]
          resolution: STATIC
          workloadSelector: {labels: {app: greeter}}
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: greeter-1}
        spec:
          address: 127.0.0.1
          labels: {app: greeter}
        """.formatted(port));
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
    TestConfigs.write(dir, "10-security.yaml", """
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
        """);
    startControlPlaneAndServer(CERTIFICATE_PROVIDERS);
    assertServerAckedItsListener();

    // grpc-java's xDS client with its own bootstrap (a client workload of namespace default) resolves the greeter
    // service through the ISTIO_MUTUAL cluster; with insecure channel credentials it ignores the TLS context
    // (A29), so the call goes through in plaintext once every resource is accepted.
    String clientNode = "sidecar~127.0.0.2~client-1.default~default.svc.cluster.local";
    @SuppressWarnings("unchecked")
    Map<String, ?> clientBootstrap = (Map<String, ?>) JsonParser.parse(bootstrap(clientNode, "client", CERTIFICATE_PROVIDERS));
    ManagedChannel xds = io.grpc.Grpc.newChannelBuilder("xds-mtls:///greeter.default.svc.cluster.local:8080",
            io.grpc.InsecureChannelCredentials.create())
        .nameResolverFactory(io.grpc.xds.XdsNameResolverProvider.createForTest("xds-mtls", clientBootstrap))
        .build();
    try {
      await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> assertThat(
          HealthGrpc.newBlockingStub(xds).withDeadlineAfter(5, TimeUnit.SECONDS)
              .check(HealthCheckRequest.getDefaultInstance()).getStatus())
          .isEqualTo(HealthCheckResponse.ServingStatus.SERVING));
      ClientView clientView = new ClientView("default", Map.of("app", "client"));
      for (String type : BookinfoReviewsMesh.TYPES) {
        assertThat(controlPlane.acks().ackedVersion(clientNode, type)).as(type)
            .isEqualTo(controlPlane.servedVersion(clientView, type));
      }
      assertThat(controlPlane.acks().nacks()).isEmpty();
    } finally {
      xds.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

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
    controlPlane = LocalControlPlane.builder(dir).port(0).start();
    assertThat(controlPlane.diagnostics()).noneMatch(d -> d.isError());
    CountDownLatch serving = new CountDownLatch(1);
    HealthStatusManager health = new HealthStatusManager();
    @SuppressWarnings("unchecked")
    Map<String, ?> bootstrap = (Map<String, ?>) JsonParser.parse(bootstrap(NODE_ID, "greeter", bootstrapExtra));
    server = XdsServerBuilder.forPort(port, InsecureServerCredentials.create())
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
