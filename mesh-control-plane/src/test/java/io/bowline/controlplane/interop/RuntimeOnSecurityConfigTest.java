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
import io.bowline.tls.SpiffeTls;
import io.bowline.tls.X509Svid;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
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
 * auto-mTLS does not apply). A client whose bootstrap defines no certificate provider satisfies an ISTIO_MUTUAL
 * DestinationRule's cluster with the local CA as its implicit {@code default} provider, and never sends a call
 * in plaintext.
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
    write(dir, tls, backend.getPort());
  }

  private static void write(Path dir, String tls, int port) throws Exception {
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
        """.formatted(port, tls));
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
      bowline.awaitReady(Duration.ofSeconds(30));
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

  /**
   * A TLS gRPC backend presenting {@code greeter}'s certificate from the control plane's CA, requiring a client
   * certificate and recording the client SPIFFE IDs it saw.
   */
  private static Server tlsBackend(LocalControlPlane controlPlane, List<String> clients, List<AutoCloseable> closers)
      throws Exception {
    SpiffeTls tls = LocalCaWorkloads.serverTls(controlPlane, "greeter", Duration.ofHours(1), closers);
    ServerInterceptor peers = LocalCaWorkloads.clientCertificates(leaf -> {
      try {
        clients.add(leaf == null ? "none" : X509Svid.leafId(leaf).uri());
      } catch (java.security.cert.CertificateException e) {
        clients.add("not an SVID: " + e.getMessage());
      }
    });
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0), LocalCaWorkloads.credentials(tls))
        .addService(ServerInterceptors.intercept(new HealthStatusManager().getHealthService(), peers))
        .build().start();
    closers.add(() -> server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    return server;
  }

  /**
   * The local CA is the client's implicit {@code default} certificate provider: a client built with only
   * {@code xdsServer(...)} ACKs the ISTIO_MUTUAL cluster, gets {@code spiffe://cluster.local/ns/default/sa/default}
   * from the control plane's CA by CSR with the owner token under the Bowline home, and calls the TLS backend over
   * mutual TLS.
   */
  @Test
  void anIstioMutualClusterGetsTheWorkloadCertificateFromTheLocalCaWithNoSetUp(@TempDir Path dir) throws Exception {
    List<String> clients = new CopyOnWriteArrayList<>();
    List<AutoCloseable> closers = new ArrayList<>();
    write(dir, "tls: {mode: ISTIO_MUTUAL}");
    try (LocalControlPlane controlPlane = LocalControlPlane.builder(dir).port(0).start()) {
      try {
        Server tlsBackend = tlsBackend(controlPlane, clients, closers);
        write(dir, "tls: {mode: ISTIO_MUTUAL}", tlsBackend.getPort());
        controlPlane.reload();
        try (MeshClient bowline = client(controlPlane)) {
          bowline.awaitReady(Duration.ofSeconds(30));
          await().atMost(Duration.ofSeconds(10)).ignoreExceptionsInstanceOf(StatusRuntimeException.class)
              .untilAsserted(() -> assertThat(check(bowline))
              .isEqualTo(HealthCheckResponse.ServingStatus.SERVING));
          assertThat(controlPlane.acks().nacks()).isEmpty();
          assertThat(clients).as("the client identity the backend saw")
              .containsOnly("spiffe://cluster.local/ns/default/sa/default");
        }
      } finally {
        for (int i = closers.size() - 1; i >= 0; i--) {
          closers.get(i).close();
        }
      }
    }
  }

  /** With the local CA as {@code default}, a plaintext endpoint behind ISTIO_MUTUAL fails the handshake: UF. */
  @Test
  void aPlaintextBackendBehindIstioMutualIsNeverCalledInPlaintext(@TempDir Path dir) throws Exception {
    write(dir, "tls: {mode: ISTIO_MUTUAL}");
    try (LocalControlPlane controlPlane = LocalControlPlane.builder(dir).port(0).start();
        MeshClient bowline = client(controlPlane)) {
      bowline.awaitReady(Duration.ofSeconds(30));
      assertThatThrownBy(() -> check(bowline)).isInstanceOfSatisfying(StatusRuntimeException.class,
          e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
      assertThat(controlPlane.acks().nacks()).isEmpty();
      assertThat(backendCalls.get()).as("nothing sent in plaintext").isZero();
    }
  }
}
