package io.bowline.controlplane.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bowline.controlplane.LocalControlPlane;
import io.bowline.controlplane.TestConfigs;
import io.bowline.controlplane.translate.ClientView;
import io.grpc.Channel;
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
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Istio Bookinfo's reviews service on loopback, served by our {@link LocalControlPlane}, with
 * grpc-java's own xDS client ({@code grpc-xds}, an {@code xds:///} channel) pointed at it. The
 * reviews v1/v2/v3 workloads are real grpc-java servers registered as WorkloadEntries; each stamps
 * its version on the response headers ({@code x-version}). The DestinationRule is Bookinfo's
 * {@code destination-rule-all.yaml}; the VirtualService is whichever shared fixture the test
 * selects with {@link #useVirtualService}.
 *
 * <p>One instance per JVM, shared by the test classes that take it as a parameter (via
 * {@link Resolver}) and closed when the run ends: grpc-java reads its xDS bootstrap (the system
 * property {@code io.grpc.xds.bootstrapConfig}) once per process, so every xDS channel in the JVM
 * must talk to the same control plane.
 */
final class BookinfoReviewsMesh implements AutoCloseable {
  /** The reviews service as Istio names its outbound listener. */
  static final String AUTHORITY = "reviews.default.svc.cluster.local:9080";
  /** grpc-java's node id: productpage-v1 in namespace default. */
  static final String GRPC_NODE_ID = "sidecar~127.0.0.1~productpage-v1.default~default.svc.cluster.local";
  /** The view our control plane derives from grpc-java's node metadata. */
  static final ClientView GRPC_VIEW = new ClientView("default", Map.of("app", "productpage"));
  /** The same workload as Bowline's runtime is grouped: with auto-mTLS (node user agent {@code bowline}). */
  static final ClientView BOWLINE_VIEW = ClientView.sidecar("default", Map.of("app", "productpage"), "", true);
  static final String[] TYPES = {
    "type.googleapis.com/envoy.config.listener.v3.Listener",
    "type.googleapis.com/envoy.config.route.v3.RouteConfiguration",
    "type.googleapis.com/envoy.config.cluster.v3.Cluster",
    "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment"
  };
  private static final Metadata.Key<String> VERSION = Metadata.Key.of("x-version", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> END_USER = Metadata.Key.of("end-user", Metadata.ASCII_STRING_MARSHALLER);

  private final Path dir;
  private final List<Server> backends = new ArrayList<>();
  private final LocalControlPlane controlPlane;
  private final ManagedChannel grpcXds;

  private BookinfoReviewsMesh() throws IOException {
    dir = Files.createTempDirectory("bookinfo-reviews");
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
    copyFixture("10-dr.yaml", "samples__bookinfo__networking__destination-rule-all.yaml");
    copyFixture("20-vs.yaml", "samples__bookinfo__networking__virtual-service-reviews-v3.yaml");
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
        """.formatted(controlPlane.port(), GRPC_NODE_ID));
    grpcXds = Grpc.newChannelBuilder("xds:///" + AUTHORITY, InsecureChannelCredentials.create()).build();
  }

  LocalControlPlane controlPlane() {
    return controlPlane;
  }

  /** The {@code xds:///reviews.default.svc.cluster.local:9080} channel of grpc-java's xDS client. */
  Channel grpcXds() {
    return grpcXds;
  }

  /**
   * Serves the shared Istio fixture {@code fixture} (a Bookinfo VirtualService file, read in place)
   * as the reviews VirtualService and reloads the control plane.
   */
  void useVirtualService(String fixture) throws IOException {
    copyFixture("20-vs.yaml", fixture);
    assertThat(controlPlane.reload()).as("reload of %s: %s", fixture, controlPlane.diagnostics()).isTrue();
  }

  /**
   * Serves {@code yaml} (our own Istio YAML) as file {@code name} of the configuration directory
   * ({@code 10-dr.yaml} is the DestinationRule, {@code 20-vs.yaml} the VirtualService) and reloads.
   */
  void useYaml(String name, String yaml) throws IOException {
    TestConfigs.write(dir, name, yaml);
    assertThat(controlPlane.reload()).as("reload of %s: %s", name, controlPlane.diagnostics()).isTrue();
  }

  /** Serves Istio's {@code destination-rule-all.yaml} again, as at the start. */
  void restoreDestinationRule() throws IOException {
    copyFixture("10-dr.yaml", "samples__bookinfo__networking__destination-rule-all.yaml");
    assertThat(controlPlane.reload()).as("reload: %s", controlPlane.diagnostics()).isTrue();
  }

  /** grpc-java ACKed, for every type, the version served to its view, and no client ever NACKed. */
  void assertGrpcXdsAckedAll() {
    grpcXds.getState(true); // leaves idle: resolves the xds:/// target, which subscribes
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      for (String type : TYPES) {
        assertThat(controlPlane.acks().ackedVersion(GRPC_NODE_ID, type)).as(type)
            .isEqualTo(controlPlane.servedVersion(GRPC_VIEW, type));
      }
    });
    assertThat(controlPlane.acks().nacks()).isEmpty();
  }

  /**
   * One {@code grpc.health.v1.Health/Check} over {@code channel}, with header {@code end-user}
   * when not null; returns the version of the reviews workload that answered.
   */
  static String call(Channel channel, String endUser) {
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

  /** How many of {@code calls} calls over {@code channel} each version answered. */
  static Map<String, Integer> distribution(Channel channel, String endUser, int calls) {
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < calls; i++) {
      counts.merge(call(channel, endUser), 1, Integer::sum);
    }
    return counts;
  }

  private void copyFixture(String name, String fixture) throws IOException {
    Files.copy(TestConfigs.istioFixture(fixture), dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
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

  @Override
  public void close() throws Exception {
    grpcXds.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    controlPlane.close();
    for (Server server : backends) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    System.clearProperty("io.grpc.xds.bootstrapConfig");
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /**
   * Starts the JVM's one {@link BookinfoReviewsMesh} before the first class that uses it (skipping
   * the class when the shared fixtures are absent), injects it as a parameter, and closes it at the
   * end of the run.
   */
  static final class Resolver implements BeforeAllCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(BookinfoReviewsMesh.class);

    @Override
    public void beforeAll(ExtensionContext context) {
      TestConfigs.istioFixtures();
      shared(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
      return parameter.getParameter().getType() == BookinfoReviewsMesh.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
      return shared(context);
    }

    private static BookinfoReviewsMesh shared(ExtensionContext context) {
      return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(BookinfoReviewsMesh.class, k -> {
        try {
          return new BookinfoReviewsMesh();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }, BookinfoReviewsMesh.class);
    }
  }
}
