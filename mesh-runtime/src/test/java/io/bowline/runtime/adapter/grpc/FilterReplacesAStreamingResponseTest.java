package io.bowline.runtime.adapter.grpc;

import static io.bowline.runtime.testing.EnvoyResources.clusterName;
import static io.bowline.runtime.testing.EnvoyResources.edsCluster;
import static io.bowline.runtime.testing.EnvoyResources.endpoints;
import static io.bowline.runtime.testing.EnvoyResources.listener;
import static io.bowline.runtime.testing.EnvoyResources.prefix;
import static io.bowline.runtime.testing.EnvoyResources.routes;
import static io.bowline.runtime.testing.EnvoyResources.toCluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.UInt32Value;
import io.bowline.api.MeshClient;
import io.bowline.api.filter.HttpFilter;
import io.bowline.runtime.testing.NamedGrpcServer;
import io.bowline.runtime.testing.XdsTestServer;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A filter that answers with a local reply in place of an upstream response whose headers have
 * already arrived (the attempt's stream goes on): the attempt is cancelled, and it leaves the host's
 * {@code rq_active} and the cluster's {@code max_requests} breaker, so the next request is admitted.
 */
class FilterReplacesAStreamingResponseTest {
  private static final String FQDN = "echo.default.svc.cluster.local";
  private static final String CLUSTER = clusterName(9090, "v1", FQDN);
  private static final MethodDescriptor<byte[], byte[]> UNARY = MethodDescriptor.<byte[], byte[]>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName("test.Echo/Unary")
      .setRequestMarshaller(NamedGrpcServer.BYTES).setResponseMarshaller(NamedGrpcServer.BYTES).build();

  private XdsTestServer xds;
  private Server upstream;
  private final AtomicInteger calls = new AtomicInteger();
  private final AtomicInteger cancelled = new AtomicInteger();

  @BeforeEach
  void setUp() throws Exception {
    // answers each call with its headers, then neither a message nor a close: the stream stays open
    ServerCallHandler<byte[], byte[]> headersThenNothing = (call, headers) -> {
      calls.incrementAndGet();
      call.request(Integer.MAX_VALUE);
      return new ServerCall.Listener<>() {
        @Override
        public void onHalfClose() {
          call.sendHeaders(new Metadata());
        }

        @Override
        public void onCancel() {
          cancelled.incrementAndGet();
        }
      };
    };
    upstream = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .fallbackHandlerRegistry(new io.grpc.HandlerRegistry() {
          @Override
          public ServerMethodDefinition<?, ?> lookupMethod(String method, String authority) {
            return ServerMethodDefinition.create(UNARY, headersThenNothing);
          }
        }).build().start();
    xds = new XdsTestServer();
    Cluster oneAtATime = edsCluster(CLUSTER, Cluster.LbPolicy.ROUND_ROBIN).toBuilder()
        .setCircuitBreakers(CircuitBreakers.newBuilder()
            .addThresholds(CircuitBreakers.Thresholds.newBuilder().setMaxRequests(UInt32Value.of(1))))
        .build();
    xds.set(Snapshot.create(List.of(oneAtATime), List.of(endpoints(CLUSTER, upstream.getPort())),
        List.of(listener(FQDN, 9090)), List.of(routes(FQDN, 9090, toCluster(prefix("/"), CLUSTER))), List.of(), "1"));
  }

  @AfterEach
  void tearDown() throws Exception {
    upstream.shutdownNow();
    xds.close();
  }

  @Test
  void aLocalReplyInPlaceOfAnUpstreamResponseCancelsTheAttemptAndEndsItInTheCircuitBreaker() throws Exception {
    HttpFilter replacing = (exchange, next) ->
        next.proceed(exchange).thenCompose(upstreamResponse -> exchange.localReply(403, "replaced by the filter"));
    try (MeshClient mesh = MeshClient.builder().workload("client", "default").xdsServer(xds.address())
        .adminPort(0).filter(replacing).build()) {
      mesh.awaitReady(Duration.ofSeconds(30));
      ManagedChannel channel = BowlineGrpc.channel(mesh, "echo:9090");
      try {
        for (int i = 1; i <= 2; i++) {
          // the second call is admitted only if the first left the breaker (max_requests 1): else 503 UO
          assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, UNARY,
              CallOptions.DEFAULT.withDeadlineAfter(20, java.util.concurrent.TimeUnit.SECONDS), new byte[] {1}))
              .isInstanceOfSatisfying(StatusRuntimeException.class,
                  e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
          int n = i;
          await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(cancelled.get())
              .as("the replaced attempt's stream is cancelled at the upstream").isEqualTo(n));
        }
        assertThat(calls.get()).as("both calls reached the upstream").isEqualTo(2);
        String clusters = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + mesh.adminAddress().orElseThrow().getPort() + "/clusters")).build(),
            HttpResponse.BodyHandlers.ofString()).body();
        assertThat(clusters).contains(CLUSTER + "::127.0.0.1:" + upstream.getPort() + "::rq_active::0\n");
      } finally {
        channel.shutdownNow();
      }
    }
  }
}
