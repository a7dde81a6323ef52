package io.bowline.runtime.adapter;

import static io.bowline.runtime.testing.EnvoyResources.clusterName;
import static io.bowline.runtime.testing.EnvoyResources.edsCluster;
import static io.bowline.runtime.testing.EnvoyResources.endpoints;
import static io.bowline.runtime.testing.EnvoyResources.listener;
import static io.bowline.runtime.testing.EnvoyResources.prefix;
import static io.bowline.runtime.testing.EnvoyResources.routes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import io.bowline.api.MeshClient;
import io.bowline.runtime.adapter.grpc.BowlineGrpc;
import io.bowline.runtime.adapter.okhttp.BowlineOkHttp;
import io.bowline.runtime.testing.NamedGrpcServer;
import io.bowline.runtime.testing.ScriptedGrpcServer;
import io.bowline.runtime.testing.ScriptedHttpServer;
import io.bowline.runtime.testing.XdsTestServer;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultDelay;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The typed entry points: {@link BowlineOkHttp#install} (idempotent, one mesh per builder) and
 * {@link BowlineGrpc#channel} (a {@link ManagedChannel} with its lifecycle; grpc-java's target forms
 * accepted, unusable ones refused when the channel is made), against real servers over a real ADS stream.
 */
class TypedAdaptersTest {
  private static final String HTTP_FQDN = "reviews.default.svc.cluster.local";
  private static final String GRPC_FQDN = "echo.default.svc.cluster.local";
  private static final String REVIEWS = clusterName(9080, "v1", HTTP_FQDN);
  private static final String ECHO = clusterName(9090, "v1", GRPC_FQDN);
  private static final MethodDescriptor<byte[], byte[]> UNARY = method("test.Echo/Unary");
  private static final MethodDescriptor<byte[], byte[]> DELAYED = method("test.Echo/Delayed");

  private XdsTestServer xds;
  private ScriptedHttpServer reviews;
  private ScriptedGrpcServer echo;
  private MeshClient mesh;

  private static MethodDescriptor<byte[], byte[]> method(String name) {
    return MethodDescriptor.<byte[], byte[]>newBuilder().setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(name).setRequestMarshaller(NamedGrpcServer.BYTES).setResponseMarshaller(NamedGrpcServer.BYTES).build();
  }

  @BeforeEach
  void setUp() throws Exception {
    xds = new XdsTestServer();
    reviews = new ScriptedHttpServer("reviews");
    echo = new ScriptedGrpcServer("echo");
    HTTPFault delay = HTTPFault.newBuilder().setDelay(FaultDelay.newBuilder()
        .setFixedDelay(com.google.protobuf.Duration.newBuilder().setNanos(300_000_000))
        .setPercentage(FractionalPercent.newBuilder().setNumerator(100))).build();
    Route delayed = Route.newBuilder().setMatch(prefix("/test.Echo/Delayed")).setRoute(RouteAction.newBuilder().setCluster(ECHO))
        .putTypedPerFilterConfig("envoy.filters.http.fault", Any.pack(delay)).build();
    Route rest = Route.newBuilder().setMatch(prefix("/")).setRoute(RouteAction.newBuilder().setCluster(ECHO)).build();
    Route http = Route.newBuilder().setMatch(prefix("/")).setRoute(RouteAction.newBuilder().setCluster(REVIEWS)).build();
    xds.set(Snapshot.create(
        List.of(edsCluster(REVIEWS, Cluster.LbPolicy.ROUND_ROBIN), edsCluster(ECHO, Cluster.LbPolicy.ROUND_ROBIN)),
        List.of(endpoints(REVIEWS, reviews.port()), endpoints(ECHO, echo.port())),
        List.of(listener(HTTP_FQDN, 9080), listener(GRPC_FQDN, 9090)),
        List.of(routes(HTTP_FQDN, 9080, http), routes(GRPC_FQDN, 9090, delayed, rest)), List.of(), "1"));
    mesh = client();
  }

  private MeshClient client() throws Exception {
    MeshClient m = MeshClient.builder().workload("productpage-v1", "default").xdsServer(xds.address()).build();
    m.awaitReady(Duration.ofSeconds(30));
    return m;
  }

  @AfterEach
  void tearDown() throws Exception {
    mesh.close();
    reviews.close();
    echo.close();
    xds.close();
  }

  private static int get(OkHttpClient http) throws Exception {
    try (Response r = http.newCall(new Request.Builder().url("http://reviews:9080/").build()).execute()) {
      return r.code();
    }
  }

  private static byte[] call(ManagedChannel channel, MethodDescriptor<byte[], byte[]> method) {
    return ClientCalls.blockingUnaryCall(channel, method, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
        new byte[] {1});
  }

  @Test
  void installingTheSameMeshTwiceIsANoOpAndTheCallIsRoutedOnce() throws Exception {
    OkHttpClient.Builder builder = new OkHttpClient.Builder();
    BowlineOkHttp.install(mesh, builder);
    int interceptors = builder.interceptors().size();
    int networkInterceptors = builder.networkInterceptors().size();
    assertThat(BowlineOkHttp.install(mesh, builder)).isSameAs(builder);
    assertThat(builder.interceptors()).hasSize(interceptors);
    assertThat(builder.networkInterceptors()).hasSize(networkInterceptors);

    OkHttpClient http = builder.build();
    OkHttpClient again = BowlineOkHttp.install(mesh, http.newBuilder()).build();
    assertThat(again.interceptors()).hasSize(interceptors);
    assertThat(get(http)).isEqualTo(200);
    assertThat(get(again)).isEqualTo(200);
    assertThat(reviews.requestCount()).isEqualTo(2);
  }

  @Test
  void aBuilderCarriesOneMeshClientOnly() throws Exception {
    OkHttpClient.Builder builder = BowlineOkHttp.install(mesh, new OkHttpClient.Builder());
    try (MeshClient other = client()) {
      assertThatThrownBy(() -> BowlineOkHttp.install(other, builder)).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("another MeshClient");
    }
  }

  @Test
  void onlyARuntimeMeshClientAndABuilderAreAccepted() {
    assertThatThrownBy(() -> BowlineOkHttp.install(null, new OkHttpClient.Builder()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("built by Bowline's runtime");
    assertThatThrownBy(() -> BowlineOkHttp.install(mesh, null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("builder");
    assertThatThrownBy(() -> BowlineGrpc.channel(null, "echo:9090"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("built by Bowline's runtime");
  }

  @ParameterizedTest
  @ValueSource(strings = {"echo:9090", "xds:///echo:9090", "dns:///echo:9090", "XDS:///echo.default.svc.cluster.local:9090"})
  void grpcJavaTargetFormsAreRoutedByTheMesh(String target) throws Exception {
    ManagedChannel channel = BowlineGrpc.channel(mesh, target);
    assertThat(call(channel, UNARY)).isNotEmpty();
    assertThat(echo.calls()).as("'echo' resolves nowhere but in the mesh").isEqualTo(1);
    assertThat(channel.authority()).isEqualTo(target.substring(target.lastIndexOf('/') + 1));
    channel.shutdown();
    assertThat(channel.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(strings = {"  ", "echo", "echo:", "echo:0", "echo:65536", "echo:http", ":9090", "xds:///echo",
      "unix:///tmp/echo.sock", "http://echo:9090/", "xds://authority.example/echo:9090", "dns://8.8.8.8/echo:9090",
      "xds:///echo:9090/extra", "echo host:9090"})
  void anUnusableTargetIsRefusedWhenTheChannelIsMade(String target) {
    assertThatThrownBy(() -> BowlineGrpc.channel(mesh, target)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("gRPC target");
  }

  @Test
  void shutdownRefusesNewCallsAndTerminatesWhenTheCallInFlightEnds() throws Exception {
    ManagedChannel channel = BowlineGrpc.channel(mesh, "xds:///echo:9090");
    Future<byte[]> inFlight = ClientCalls.futureUnaryCall(channel.newCall(DELAYED, CallOptions.DEFAULT), new byte[] {1});
    channel.shutdown();
    assertThat(channel.isShutdown()).isTrue();
    assertThat(channel.isTerminated()).as("a call is still in its fault delay").isFalse();
    assertThatThrownBy(() -> call(channel, UNARY)).isInstanceOfSatisfying(StatusRuntimeException.class,
        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    assertThat(channel.newCall(UNARY, CallOptions.DEFAULT).getAttributes()).isEqualTo(io.grpc.Attributes.EMPTY);

    assertThat(inFlight.get(10, TimeUnit.SECONDS)).isNotEmpty();
    assertThat(channel.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    assertThat(echo.calls()).isEqualTo(1);
  }

  @Test
  void shutdownNowCancelsTheCallsInFlight() throws Exception {
    echo.then(ScriptedGrpcServer.Action.hanging());
    ManagedChannel channel = BowlineGrpc.channel(mesh, "echo:9090");
    Future<byte[]> hanging = ClientCalls.futureUnaryCall(channel.newCall(UNARY, CallOptions.DEFAULT), new byte[] {1});
    await().atMost(Duration.ofSeconds(10)).until(() -> echo.calls() == 1);

    channel.shutdownNow();
    assertThatThrownBy(() -> hanging.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .cause().isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.CANCELLED));
    assertThat(channel.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
    assertThat(channel.isTerminated()).isTrue();
  }
}
