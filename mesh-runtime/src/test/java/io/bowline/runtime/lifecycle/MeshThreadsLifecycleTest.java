package io.bowline.runtime.lifecycle;

import static io.bowline.runtime.testing.EnvoyResources.clusterName;
import static io.bowline.runtime.testing.EnvoyResources.edsCluster;
import static io.bowline.runtime.testing.EnvoyResources.endpoints;
import static io.bowline.runtime.testing.EnvoyResources.listener;
import static io.bowline.runtime.testing.EnvoyResources.prefix;
import static io.bowline.runtime.testing.EnvoyResources.routes;
import static org.assertj.core.api.Assertions.assertThat;
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
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every thread the mesh starts belongs to a client or to the reference-counted shared runtime, and
 * none outlives the last {@code close()}: calls through OkHttp and gRPC with a route timeout, a fault
 * delay and a mirror start them all, over a real ADS stream to real servers on loopback.
 */
class MeshThreadsLifecycleTest {
  private static final String HTTP_FQDN = "reviews.default.svc.cluster.local";
  private static final String GRPC_FQDN = "echo.default.svc.cluster.local";
  private static final String REVIEWS = clusterName(9080, "v1", HTTP_FQDN);
  private static final String REVIEWS_SHADOW = clusterName(9080, "shadow", HTTP_FQDN);
  private static final String ECHO = clusterName(9090, "v1", GRPC_FQDN);
  private static final String ECHO_SHADOW = clusterName(9090, "shadow", GRPC_FQDN);
  private static final MethodDescriptor<byte[], byte[]> UNARY = MethodDescriptor.<byte[], byte[]>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName("test.Echo/Unary")
      .setRequestMarshaller(NamedGrpcServer.BYTES).setResponseMarshaller(NamedGrpcServer.BYTES).build();

  private XdsTestServer xds;
  private ScriptedHttpServer reviews;
  private ScriptedHttpServer reviewsShadow;
  private ScriptedGrpcServer echo;
  private ScriptedGrpcServer echoShadow;

  @BeforeEach
  void setUp() throws Exception {
    xds = new XdsTestServer();
    reviews = new ScriptedHttpServer("reviews");
    reviewsShadow = new ScriptedHttpServer("reviews-shadow");
    echo = new ScriptedGrpcServer("echo");
    echoShadow = new ScriptedGrpcServer("echo-shadow");
    RouteAction.Builder timedAndMirrored = RouteAction.newBuilder()
        .setTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(5));
    Route http = Route.newBuilder().setMatch(prefix("/")).setRoute(timedAndMirrored.clone().setCluster(REVIEWS)
        .addRequestMirrorPolicies(RouteAction.RequestMirrorPolicy.newBuilder().setCluster(REVIEWS_SHADOW))).build();
    HTTPFault delay = HTTPFault.newBuilder().setDelay(FaultDelay.newBuilder()
        .setFixedDelay(com.google.protobuf.Duration.newBuilder().setNanos(10_000_000))
        .setPercentage(FractionalPercent.newBuilder().setNumerator(100))).build();
    Route grpc = Route.newBuilder().setMatch(prefix("/")).setRoute(timedAndMirrored.clone().setCluster(ECHO)
            .addRequestMirrorPolicies(RouteAction.RequestMirrorPolicy.newBuilder().setCluster(ECHO_SHADOW)))
        .putTypedPerFilterConfig("envoy.filters.http.fault", Any.pack(delay)).build();
    xds.set(Snapshot.create(
        List.of(cluster(REVIEWS), cluster(REVIEWS_SHADOW), cluster(ECHO), cluster(ECHO_SHADOW)),
        List.of(endpoints(REVIEWS, reviews.port()), endpoints(REVIEWS_SHADOW, reviewsShadow.port()),
            endpoints(ECHO, echo.port()), endpoints(ECHO_SHADOW, echoShadow.port())),
        List.of(listener(HTTP_FQDN, 9080), listener(GRPC_FQDN, 9090)),
        List.of(routes(HTTP_FQDN, 9080, http), routes(GRPC_FQDN, 9090, grpc)), List.of(), "1"));
  }

  @AfterEach
  void tearDown() throws Exception {
    reviews.close();
    reviewsShadow.close();
    echo.close();
    echoShadow.close();
    xds.close();
  }

  private static Cluster cluster(String name) {
    return edsCluster(name, Cluster.LbPolicy.ROUND_ROBIN);
  }

  @Test
  void noMeshThreadOutlivesTheLastCloseAndTheNextClientStartsThemAgain() throws Exception {
    MeshClient first = client();
    MeshClient second = client();
    callThroughBothAdapters(first);
    callThroughBothAdapters(second);
    await().atMost(Duration.ofSeconds(10)).until(() -> echoShadow.calls() == 2 && reviewsShadow.requestCount() == 2);
    assertThat(meshThreads()).as("the threads the calls needed")
        .contains("bowline-exchange-deadlines", "bowline-coarse-clock", "bowline-grpc-fault-delay", "bowline-mirror");

    first.close();
    assertThat(SharedRuntime.references()).as("the second client still holds the shared runtime").isPositive();
    callThroughBothAdapters(second);
    second.close();

    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(meshThreads()).isEmpty());

    MeshClient again = client();
    try {
      callThroughBothAdapters(again);
      assertThat(meshThreads()).contains("bowline-exchange-deadlines", "bowline-grpc-fault-delay");
    } finally {
      again.close();
    }
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(meshThreads()).isEmpty());
  }

  private MeshClient client() throws Exception {
    MeshClient mesh = MeshClient.builder().workload("productpage-v1", "default").xdsServer(xds.address()).build();
    mesh.awaitReady(Duration.ofSeconds(30));
    return mesh;
  }

  private static void callThroughBothAdapters(MeshClient mesh) throws Exception {
    OkHttpClient http = BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
    try (Response r = http.newCall(new Request.Builder().url("http://reviews:9080/r").build()).execute()) {
      assertThat(r.code()).isEqualTo(200);
    }
    Channel channel = BowlineGrpc.channel(mesh, "echo:9090");
    byte[] reply = ClientCalls.blockingUnaryCall(channel, UNARY,
        CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), new byte[] {1});
    assertThat(new String(reply, StandardCharsets.UTF_8)).isNotNull();
    http.connectionPool().evictAll();
  }

  /** Names of the live threads the mesh started (they all start with {@code bowline}). */
  private static Set<String> meshThreads() {
    Set<String> names = new TreeSet<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.isAlive() && t.getName().startsWith("bowline")) {
        names.add(t.getName().replaceAll("-\\d+$", ""));
      }
    }
    return names;
  }
}
