package io.bowline.controlplane.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bowline.controlplane.LocalControlPlane;
import io.bowline.controlplane.TestConfigs;
import io.bowline.controlplane.translate.ClientView;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proof that an xDS client we did not write accepts what we serve: grpc-java's own xDS client
 * ({@code grpc-xds}, an {@code xds:///} channel, bootstrap with node metadata {@code GENERATOR: grpc}) reads
 * the Istio Bookinfo samples from our control plane, ACKs every resource type, and routes Health.Check
 * RPCs to the reviews subsets as Istio says. The reviews v1/v2/v3 workloads are real grpc-java servers on
 * loopback, registered as WorkloadEntries; each stamps its version on the response headers.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GrpcXdsClientAcceptanceTest {

  private static final String TARGET = "xds:///reviews.default.svc.cluster.local:9080";
  private static final String NODE_ID = "sidecar~127.0.0.1~productpage-v1.default~default.svc.cluster.local";
  private static final Metadata.Key<String> VERSION = Metadata.Key.of("x-version", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> END_USER = Metadata.Key.of("end-user", Metadata.ASCII_STRING_MARSHALLER);
  private static final String[] TYPES = {
    "type.googleapis.com/envoy.config.listener.v3.Listener",
    "type.googleapis.com/envoy.config.route.v3.RouteConfiguration",
    "type.googleapis.com/envoy.config.cluster.v3.Cluster",
    "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment"
  };
  private static final int CALLS = 400;
  private static final ClientView VIEW = new ClientView("default", Map.of("app", "productpage"));

  @TempDir
  static Path dir;

  private static final List<Server> backends = new ArrayList<>();
  private static LocalControlPlane controlPlane;
  private static ManagedChannel channel;

  @BeforeAll
  static void start() throws IOException {
    StringBuilder workloads = new StringBuilder("""
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: reviews}
        spec:
          hosts: [reviews.default.svc.cluster.local]
          ports: [{number: 9080, name: grpc, protocol: GRPC}]
          resolution: STATIC
          workloadSelector: {labels: {app: reviews}}
        """);
    for (String version : List.of("v1", "v2", "v3")) {
      Server server = backend(version);
      backends.add(server);
      workloads.append("""
          ---
          apiVersion: networking.istio.io/v1
          kind: WorkloadEntry
          metadata: {name: reviews-%s}
          spec:
            address: 127.0.0.1
            ports: {grpc: %d}
            labels: {app: reviews, version: %s}
          """.formatted(version, server.getPort(), version));
    }
    TestConfigs.write(dir, "00-reviews.yaml", workloads.toString());
    useFixture("10-dr.yaml", "samples__bookinfo__networking__destination-rule-all.yaml");
    useFixture("20-vs.yaml", "samples__bookinfo__networking__virtual-service-reviews-v3.yaml");
    controlPlane = LocalControlPlane.builder(dir).port(0).start();
    assertThat(controlPlane.diagnostics()).noneMatch(d -> d.isError());

    System.setProperty("io.grpc.xds.bootstrapConfig", """
        {
          "xds_servers": [{
            "server_uri": "127.0.0.1:%d",
            "channel_creds": [{"type": "insecure"}],
            "server_features": ["xds_v3"]
          }],
          "node": {
            "id": "%s",
            "metadata": {"GENERATOR": "grpc", "NAMESPACE": "default", "LABELS": {"app": "productpage"}}
          }
        }
        """.formatted(controlPlane.port(), NODE_ID));
    channel = Grpc.newChannelBuilder(TARGET, InsecureChannelCredentials.create()).build();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (controlPlane != null) {
      controlPlane.close();
    }
    for (Server server : backends) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    System.clearProperty("io.grpc.xds.bootstrapConfig");
  }

  @Test
  @Order(1)
  void grpcJavaAcksEveryTypeAndRoutesAllToV3() {
    await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> assertThat(call(null)).isEqualTo("v3"));

    assertThat(distribution(null)).containsOnlyKeys("v3");
    assertAllAcked();
  }

  @Test
  @Order(2)
  void weightedSplitFollowsTheVirtualServiceWithinBinomialTolerance() throws IOException {
    switchVirtualService("samples__bookinfo__networking__virtual-service-reviews-80-20.yaml");
    await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> assertThat(call(null)).isIn("v1", "v2"));

    Map<String, Integer> counts = distribution(null);
    assertThat(counts).containsOnlyKeys("v1", "v2");
    // p = 0.8, n = 400: sd = 8; accept ±4 sd.
    assertThat(counts.get("v1")).isBetween(CALLS * 8 / 10 - 32, CALLS * 8 / 10 + 32);
    assertAllAcked();
  }

  @Test
  @Order(3)
  void headerMatchSendsJasonToV2AndEveryoneElseToV3() throws IOException {
    switchVirtualService("samples__bookinfo__networking__virtual-service-reviews-jason-v2-v3.yaml");
    await().atMost(Duration.ofSeconds(30)).ignoreExceptions().untilAsserted(() -> assertThat(call(null)).isEqualTo("v3"));

    assertThat(distribution("jason")).containsOnlyKeys("v2");
    assertThat(distribution("someone-else")).containsOnlyKeys("v3");
    assertAllAcked();
  }

  @Test
  @Order(4)
  void consistentHashOnAHeaderPinsEachUserToOneWorkload() throws IOException {
    TestConfigs.write(dir, "10-dr.yaml", """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: reviews}
        spec:
          host: reviews
          trafficPolicy:
            loadBalancer:
              consistentHash: {httpHeaderName: end-user, ringHash: {minimumRingSize: 1024}}
        """);
    TestConfigs.write(dir, "20-vs.yaml", """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: reviews}
        spec:
          hosts: [reviews]
          http:
          - route: [{destination: {host: reviews}}]
        """);
    assertThat(controlPlane.reload()).as("reload: %s", controlPlane.diagnostics()).isTrue();
    await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
        .untilAsserted(() -> assertThat(distribution("user-0")).hasSize(1));

    Map<String, Integer> seen = new HashMap<>();
    for (int user = 0; user < 30; user++) {
      Map<String, Integer> counts = new HashMap<>();
      for (int i = 0; i < 10; i++) {
        counts.merge(call("user-" + user), 1, Integer::sum);
      }
      assertThat(counts).as("user-%d", user).hasSize(1);
      seen.merge(counts.keySet().iterator().next(), 1, Integer::sum);
    }
    // 30 users over 3 equally weighted hosts: all on one host has probability 3 * 3^-30.
    assertThat(seen).hasSizeGreaterThan(1);
    assertAllAcked();
  }

  private static void switchVirtualService(String fixture) throws IOException {
    useFixture("20-vs.yaml", fixture);
    assertThat(controlPlane.reload()).as("reload of %s: %s", fixture, controlPlane.diagnostics()).isTrue();
  }

  /** The client ACKed, for every type, the version served to its view, and never NACKed. */
  private static void assertAllAcked() {
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      for (String type : TYPES) {
        assertThat(controlPlane.acks().ackedVersion(NODE_ID, type)).as(type)
            .isEqualTo(controlPlane.servedVersion(VIEW, type));
      }
    });
    assertThat(controlPlane.acks().nacks()).isEmpty();
  }

  private static Map<String, Integer> distribution(String endUser) {
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < CALLS; i++) {
      counts.merge(call(endUser), 1, Integer::sum);
    }
    return counts;
  }

  /** One Health.Check through the xDS channel; returns the version of the workload that answered. */
  private static String call(String endUser) {
    Metadata request = new Metadata();
    if (endUser != null) {
      request.put(END_USER, endUser);
    }
    AtomicReference<Metadata> headers = new AtomicReference<>();
    HealthGrpc.newBlockingStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(request),
            MetadataUtils.newCaptureMetadataInterceptor(headers, new AtomicReference<>()))
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance());
    return headers.get().get(VERSION);
  }

  private static void useFixture(String name, String fixture) throws IOException {
    Files.copy(TestConfigs.istioFixture(fixture), dir.resolve(name),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  private static Server backend(String version) throws IOException {
    ServerInterceptor stamp = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        return next.startCall(new SimpleForwardingServerCall<>(call) {
          @Override
          public void sendHeaders(Metadata responseHeaders) {
            responseHeaders.put(VERSION, version);
            super.sendHeaders(responseHeaders);
          }
        }, headers);
      }
    };
    return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(ServerInterceptors.intercept(new HealthStatusManager().getHealthService(), stamp))
        .build()
        .start();
  }
}
