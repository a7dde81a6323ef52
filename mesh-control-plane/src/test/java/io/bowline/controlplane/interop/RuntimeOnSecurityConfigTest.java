package io.bowline.controlplane.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bowline.api.ClientStatus;
import io.bowline.api.MeshClient;
import io.bowline.controlplane.LocalControlPlane;
import io.bowline.controlplane.TestConfigs;
import io.bowline.controlplane.translate.ClientView;
import io.grpc.Server;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What Bowline's runtime does with the resources translated from Istio's security and new traffic fields,
 * pinned until mesh-tls lands: it ACKs every type (no NACK) with inbound listeners in its wildcard LDS (it
 * ignores listeners without {@code api_listener}), an ISTIO_MUTUAL cluster (it ignores the
 * {@code transport_socket}: a warned field, so it connects in plaintext), slow start and a CORS route (both
 * ignored), and still routes the call.
 */
class RuntimeOnSecurityConfigTest {

  private static final ClientView VIEW = new ClientView("default", Map.of("app", "greeter"));
  private static final String[] TYPES = BookinfoReviewsMesh.TYPES;

  @Test
  void theRuntimeAcksEverythingAndRoutesInPlaintextUntilMeshTls(@TempDir Path dir) throws Exception {
    Server backend = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new HealthStatusManager().getHealthService()).build().start();
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
            tls: {mode: ISTIO_MUTUAL}
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
        """.formatted(backend.getPort()));
    try (LocalControlPlane controlPlane = LocalControlPlane.builder(dir).port(0).start();
        MeshClient bowline = MeshClient.builder()
            .workload("greeter-1", "default")
            .label("app", "greeter")
            .xdsServer("127.0.0.1:" + controlPlane.port())
            .build()) {
      bowline.awaitReady(Duration.ofSeconds(10));
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        ClientStatus status = bowline.status();
        for (String type : TYPES) {
          assertThat(status.versionOf(type)).as(type).isEqualTo(controlPlane.servedVersion(VIEW, type));
        }
      });
      assertThat(controlPlane.acks().nacks()).isEmpty();
      assertThat(HealthGrpc.newBlockingStub(bowline.grpcChannel("greeter.default.svc.cluster.local:8080"))
          .withDeadlineAfter(10, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance()).getStatus())
          .isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    } finally {
      backend.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
