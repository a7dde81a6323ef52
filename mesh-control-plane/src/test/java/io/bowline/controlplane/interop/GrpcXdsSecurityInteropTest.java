package io.bowline.controlplane.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bowline.api.MeshClient;
import io.bowline.controlplane.LocalControlPlane;
import io.bowline.controlplane.TestConfigs;
import io.bowline.runtime.RuntimeMeshClient;
import io.bowline.runtime.adapter.grpc.BowlineGrpc;
import io.bowline.runtime.adapter.grpc.BowlineGrpcServer;
import io.grpc.Channel;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.internal.JsonParser;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.xds.XdsChannelCredentials;
import io.grpc.xds.XdsNameResolverProvider;
import io.grpc.xds.XdsServerBuilder;
import io.grpc.xds.XdsServerCredentials;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, interop with grpc-java's own xDS security in both directions, off the {@link LocalControlPlane}: one
 * Istio configuration (STRICT PeerAuthentication, an ISTIO_MUTUAL DestinationRule, an ALLOW policy for
 * {@code sa/client} on {@code Health/Check} and a DENY policy on {@code Health/Watch}), workload certificates of one
 * test CA in gRPC {@code file_watcher} certificate providers. grpc-java's {@code XdsChannelCredentials} client calls a
 * grpc-java server protected by Bowline ({@link BowlineGrpcServer}); a Bowline client calls grpc-java's
 * {@code XdsServer} with {@code XdsServerCredentials}. Both sides decide the same: {@code sa/client}'s Check is served,
 * its Watch is {@code PERMISSION_DENIED}, another mesh identity's Check is {@code PERMISSION_DENIED}.
 */
class GrpcXdsSecurityInteropTest {
  private static final String CLIENT = "spiffe://cluster.local/ns/default/sa/client";
  private static final String INTRUDER = "spiffe://cluster.local/ns/default/sa/intruder";
  private static final String TARGET = "greeter.default.svc.cluster.local:8080";
  /** The decisions Istio's policies call for: (identity, method) to status code. */
  private static final Map<String, Status.Code> EXPECTED = Map.of(
      "client Check", Status.Code.OK, "client Watch", Status.Code.PERMISSION_DENIED,
      "intruder Check", Status.Code.PERMISSION_DENIED);
  private static final AtomicInteger SCHEMES = new AtomicInteger();

  @TempDir
  Path dir;
  private final TestCertificates ca = new TestCertificates();
  private final List<AutoCloseable> closers = new ArrayList<>();
  private int port;
  private LocalControlPlane controlPlane;

  @BeforeEach
  void mesh() throws Exception {
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    Path config = dir.resolve("config");
    Files.createDirectories(config);
    TestConfigs.write(config, "00-greeter.yaml", GreeterService.yaml(port, "greeter") + """
        ---
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
        ---
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: client-may-check}
        spec:
          selector: {matchLabels: {app: greeter}}
          rules:
          - from: [{source: {principals: [cluster.local/ns/default/sa/client]}}]
            to: [{operation: {paths: [/grpc.health.v1.Health/Check, /grpc.health.v1.Health/Watch]}}]
        ---
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: nobody-may-watch}
        spec:
          selector: {matchLabels: {app: greeter}}
          action: DENY
          rules:
          - to: [{operation: {paths: [/grpc.health.v1.Health/Watch]}}]
        """);
    controlPlane = LocalControlPlane.builder(config).port(0).start();
    closers.add(controlPlane);
    assertThat(controlPlane.diagnostics()).noneMatch(d -> d.isError());
    ca.issue("spiffe://cluster.local/ns/default/sa/greeter", dir.resolve("greeter"));
    ca.issue(CLIENT, dir.resolve("client"));
    ca.issue(INTRUDER, dir.resolve("intruder"));
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = closers.size() - 1; i >= 0; i--) {
      closers.get(i).close();
    }
  }

  @Test
  void grpcJavaXdsClientToABowlineProtectedServerGetsTheDecisionsIstioCallsFor() throws Exception {
    MeshClient greeter = MeshClient.builder().workload("greeter-1", "default").label("app", "greeter")
        .bootstrapJson(bootstrap("sidecar~127.0.0.1~greeter-1.default~default.svc.cluster.local", "greeter",
            TestCertificates.certificateProviders(dir.resolve("greeter"))))
        .build();
    closers.add(greeter);
    assertThat(RuntimeMeshClient.of(greeter).serverListeners().awaitListener(port, Duration.ofSeconds(30))).isTrue();
    Server server = Grpc.newServerBuilderForPort(port,
            BowlineGrpcServer.serverCredentials(greeter, port, Duration.ofSeconds(10)))
        .intercept(BowlineGrpcServer.interceptor(greeter, port))
        .addService(new HealthStatusManager().getHealthService()).build().start();
    closers.add(() -> server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));

    Map<String, Status.Code> decisions = new LinkedHashMap<>();
    for (String who : List.of("client", "intruder")) {
      ManagedChannel channel = grpcJavaXdsClient(who);
      decide(decisions, who, channel);
    }
    assertThat(decisions).isEqualTo(EXPECTED);
    assertThat(controlPlane.acks().nacks()).isEmpty();
  }

  @Test
  void bowlineClientToGrpcJavaXdsServerGetsTheDecisionsIstioCallsFor() throws Exception {
    CountDownLatch serving = new CountDownLatch(1);
    @SuppressWarnings("unchecked")
    Map<String, ?> serverBootstrap = (Map<String, ?>) JsonParser.parse(bootstrap(
        "sidecar~127.0.0.1~greeter-1.default~default.svc.cluster.local", "greeter",
        TestCertificates.certificateProviders(dir.resolve("greeter"))));
    Server server = XdsServerBuilder.forPort(port, XdsServerCredentials.create(InsecureServerCredentials.create()))
        .addService(new HealthStatusManager().getHealthService())
        .xdsServingStatusListener(new XdsServerBuilder.XdsServingStatusListener() {
          @Override
          public void onServing() {
            serving.countDown();
          }

          @Override
          public void onNotServing(Throwable throwable) {}
        })
        .overrideBootstrapForTest(serverBootstrap).build().start();
    closers.add(() -> server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    assertThat(serving.await(30, TimeUnit.SECONDS)).as("grpc-java's xDS server is serving").isTrue();

    Map<String, Status.Code> decisions = new LinkedHashMap<>();
    for (String who : List.of("client", "intruder")) {
      MeshClient bowline = MeshClient.builder().workload(who + "-1", "default").label("app", who)
          .bootstrapJson(bootstrap("sidecar~127.0.0.2~" + who + "-1.default~default.svc.cluster.local", who,
              TestCertificates.certificateProviders(dir.resolve(who))))
          .build();
      closers.add(bowline);
      bowline.awaitReady(Duration.ofSeconds(30));
      decide(decisions, who, BowlineGrpc.channel(bowline, "xds:///" + TARGET));
    }
    assertThat(decisions).isEqualTo(EXPECTED);
    assertThat(controlPlane.acks().nacks()).isEmpty();
  }

  /** Records {@code who}'s Check (and, for the client, Watch) outcome, once the channel has completed a call. */
  private static void decide(Map<String, Status.Code> decisions, String who, Channel channel) {
    HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(channel);
    // The first calls wait for xDS and the first handshake; an UNAVAILABLE then is the set-up, not a decision.
    await().atMost(Duration.ofSeconds(30)).until(() -> code(() -> health.withDeadlineAfter(5, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance())) != Status.Code.UNAVAILABLE);
    decisions.put(who + " Check", code(() -> health.withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance())));
    if (who.equals("client")) {
      decisions.put(who + " Watch", code(() -> health.withDeadlineAfter(10, TimeUnit.SECONDS)
          .watch(HealthCheckRequest.getDefaultInstance()).next()));
    }
  }

  private static Status.Code code(Runnable call) {
    try {
      call.run();
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  /** grpc-java's xDS client with {@code XdsChannelCredentials}, as workload {@code <who>-1} with {@code who}'s files. */
  private ManagedChannel grpcJavaXdsClient(String who) throws IOException {
    @SuppressWarnings("unchecked")
    Map<String, ?> bootstrap = (Map<String, ?>) JsonParser.parse(bootstrap(
        "sidecar~127.0.0.2~" + who + "-1.default~default.svc.cluster.local", who,
        TestCertificates.certificateProviders(dir.resolve(who))));
    String scheme = "xds-interop-" + SCHEMES.incrementAndGet();
    ManagedChannel channel = Grpc.newChannelBuilder(scheme + ":///" + TARGET,
            XdsChannelCredentials.create(InsecureChannelCredentials.create()))
        .nameResolverFactory(XdsNameResolverProvider.createForTest(scheme, bootstrap)).build();
    closers.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    return channel;
  }

  /** A gRPC bootstrap as Istio's grpc-agent writes it, for the local control plane. */
  private String bootstrap(String nodeId, String app, String certificateProviders) {
    return """
        {"xds_servers": [{"server_uri": "127.0.0.1:%d", "channel_creds": [{"type": "insecure"}],
          "server_features": ["xds_v3"]}],
         "node": {"id": "%s", "metadata": {"GENERATOR": "grpc", "NAMESPACE": "default", "LABELS": {"app": "%s"}}},
         "server_listener_resource_name_template": "xds.istio.io/grpc/lds/inbound/%%s"
         %s}
        """.formatted(controlPlane.port(), nodeId, app, certificateProviders);
  }
}
