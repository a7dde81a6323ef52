package io.bowline.controlplane.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.bowline.api.ClientStatus;
import io.bowline.api.MeshClient;
import io.bowline.controlplane.LocalControlPlane;
import io.bowline.controlplane.TestConfigs;
import io.bowline.controlplane.server.AckLedger;
import io.bowline.controlplane.translate.ClientView;
import io.bowline.runtime.adapter.grpc.BowlineGrpc;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What Bowline's runtime does with the resources translated from Istio's security and new traffic
 * fields. It ACKs inbound listeners in its wildcard LDS (it ignores listeners without
 * {@code api_listener}), slow start and a CORS route (both ignored), and routes the call; a STRICT
 * PeerAuthentication alone changes no cluster (its endpoint is not labelled {@code tlsMode: istio}, so
 * auto-mTLS does not apply). A client whose bootstrap defines no certificate provider cannot satisfy an
 * ISTIO_MUTUAL DestinationRule's cluster: it is NACKed naming the cluster and the field, and the call is
 * never sent in plaintext.
 */
class RuntimeOnSecurityConfigTest {

  private static final ClientView VIEW = ClientView.sidecar("default", Map.of("app", "greeter"), "", true);
  private static final String[] TYPES = BookinfoReviewsMesh.TYPES;
  private static final String CLUSTER = "outbound|8080||greeter.default.svc.cluster.local";

  private final AtomicInteger backendCalls = new AtomicInteger();
  private Server backend;

  @BeforeEach
  void startBackend() throws Exception {
    ServerInterceptor counting = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
          ServerCallHandler<Q, R> next) {
        backendCalls.incrementAndGet();
        return next.startCall(call, headers);
      }
    };
    backend = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(ServerInterceptors.intercept(new HealthStatusManager().getHealthService(), counting)).build().start();
  }

  @AfterEach
  void stopBackend() throws Exception {
    backend.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  private void write(Path dir, String tls) throws Exception {
    TestConfigs.write(dir, "00-greeter.yaml", """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: greeter}
        spec:
          hosts: [greeter.default.svc.cluster.local]
          ports: [{number: 8080, name: grpc, protocol: GRPC}]
          resolution: STATIC
          workloadSelector: {labels: {app: greeter}}
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: greeter-1}
        spec:
          address: 127.0.0.1
          ports: {grpc: %d}
          labels: {app: greeter}
          serviceAccount: greeter
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: greeter}
        spec:
          host: greeter
          trafficPolicy:
            %s
            loadBalancer: {simple: ROUND_ROBIN, warmupDurationSecs: 10s}
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: greeter}
        spec:
          hosts: [greeter]
          http:
          - route: [{destination: {host: greeter}}]
            corsPolicy: {allowOrigins: [{exact: "https://example.com"}]}
        ---
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: default, namespace: istio-system}
        spec: {mtls: {mode: STRICT}}
        ---
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: deny-admin}
        spec:
          action: DENY
          rules: [{to: [{operation: {paths: [/admin*]}}]}]
        """.formatted(backend.getPort(), tls));
  }

  private static MeshClient client(LocalControlPlane controlPlane) {
    return MeshClient.builder()
        .workload("greeter-1", "default")
        .label("app", "greeter")
        .xdsServer("127.0.0.1:" + controlPlane.port())
        .initialFetchTimeout(Duration.ofSeconds(2))
        .build();
  }

  private static HealthCheckResponse.ServingStatus check(MeshClient bowline) {
    return HealthGrpc.newBlockingStub(BowlineGrpc.channel(bowline, "greeter.default.svc.cluster.local:8080"))
        .withDeadlineAfter(10, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance()).getStatus();
  }

  @Test
  void theRuntimeAcksEverythingWithoutIstioMutualAndRoutesTheCall(@TempDir Path dir) throws Exception {
    write(dir, "tls: {mode: DISABLE}");
    try (LocalControlPlane controlPlane = LocalControlPlane.builder(dir).port(0).start();
        MeshClient bowline = client(controlPlane)) {
      bowline.awaitReady(Duration.ofSeconds(10));
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        ClientStatus status = bowline.status();
        for (String type : TYPES) {
          assertThat(status.versionOf(type)).as(type).isEqualTo(controlPlane.servedVersion(VIEW, type));
        }
      });
      assertThat(controlPlane.acks().nacks()).isEmpty();
      assertThat(check(bowline)).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
      assertThat(backendCalls.get()).isEqualTo(1);
    }
  }

  @Test
  void withoutACertificateProviderAnIstioMutualClusterIsNackedAndNeverCalledInPlaintext(@TempDir Path dir) throws Exception {
    write(dir, "tls: {mode: ISTIO_MUTUAL}");
    try (LocalControlPlane controlPlane = LocalControlPlane.builder(dir).port(0).start();
        MeshClient bowline = client(controlPlane)) {
      await().atMost(Duration.ofSeconds(10)).until(() -> !controlPlane.acks().nacks().isEmpty());
      assertThat(controlPlane.acks().nacks()).extracting(AckLedger.Nack::message).allSatisfy(message ->
          assertThat(message).isEqualTo("Cluster '" + CLUSTER + "': transport_socket.typed_config.common_tls_context"
              + ".tls_certificate_provider_instance.instance_name: certificate provider instance 'default' is not "
              + "defined by the bootstrap's certificate_providers (none are)"));
      assertThat(controlPlane.acks().nacks()).extracting(AckLedger.Nack::typeUrl)
          .containsOnly("type.googleapis.com/envoy.config.cluster.v3.Cluster");

      assertThatThrownBy(() -> check(bowline)).isInstanceOfSatisfying(StatusRuntimeException.class,
          e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
      assertThat(backendCalls.get()).as("nothing sent in plaintext").isZero();
    }
  }
}
