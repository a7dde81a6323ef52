package io.bowline.runtime;

import static io.bowline.runtime.testing.EnvoyResources.clusterName;
import static io.bowline.runtime.testing.EnvoyResources.edsCluster;
import static io.bowline.runtime.testing.EnvoyResources.endpoints;
import static io.bowline.runtime.testing.EnvoyResources.listener;
import static io.bowline.runtime.testing.EnvoyResources.prefix;
import static io.bowline.runtime.testing.EnvoyResources.routes;
import static io.bowline.runtime.testing.EnvoyResources.toCluster;
import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.runtime.adapter.okhttp.BowlineOkHttp;
import io.bowline.runtime.adapter.grpc.BowlineGrpc;
import com.google.common.util.concurrent.ListenableFuture;
import io.bowline.api.MeshClient;
import io.bowline.runtime.testing.NamedGrpcServer;
import io.bowline.runtime.testing.NamedHttpServer;
import io.bowline.runtime.testing.XdsTestServer;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

/**
 * Calls made before the first configuration (issue 13 part 2, issue 14 part 5): held without
 * blocking a gRPC caller's thread, completed when the configuration arrives; and with the control
 * plane down, the client waits for its first configuration once: later calls to hosts the mesh
 * does not know go at once, and calls to mesh services fail fast with a reply that says why.
 */
class FirstConfigurationTest {
  private static final String FQDN = "echo.default.svc.cluster.local";
  private static final String V1 = clusterName(9090, "v1", FQDN);
  private static final MethodDescriptor<byte[], byte[]> UNARY = MethodDescriptor.<byte[], byte[]>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName("test.Echo/Unary")
      .setRequestMarshaller(NamedGrpcServer.BYTES).setResponseMarshaller(NamedGrpcServer.BYTES).build();

  @Test
  void aGrpcCallStartedBeforeTheConfigurationReturnsAtOnceAndCompletesWhenItArrives() throws Exception {
    try (XdsTestServer xds = new XdsTestServer();
        NamedGrpcServer backend = new NamedGrpcServer("echo-v1");
        MeshClient mesh = MeshClient.builder().workload("client", "default").xdsServer(xds.address())
            .initialFetchTimeout(Duration.ofSeconds(30)).build()) {
      Channel channel = BowlineGrpc.channel(mesh, "echo:9090");
      long start = System.nanoTime();
      ListenableFuture<byte[]> reply = ClientCalls.futureUnaryCall(channel.newCall(UNARY, CallOptions.DEFAULT), new byte[] {1});
      long startedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertThat(startedMillis).isLessThan(1000); // start, message and half-close returned without waiting for the configuration
      assertThat(reply.isDone()).isFalse();
      xds.set(Snapshot.create(List.of(edsCluster(V1, Cluster.LbPolicy.ROUND_ROBIN)),
          List.of(endpoints(V1, backend.port())), List.of(listener(FQDN, 9090)),
          List.of(routes(FQDN, 9090, toCluster(prefix("/"), V1))), List.of(), "1"));
      assertThat(new String(reply.get(10, TimeUnit.SECONDS))).isEqualTo("echo-v1");
    }
  }

  @Test
  void withTheControlPlaneDownTheClientWaitsOnceThenNonMeshHostsGoAtOnceAndMeshServicesFailFast() throws Exception {
    int deadPort;
    try (ServerSocket s = new ServerSocket(0)) {
      deadPort = s.getLocalPort(); // nothing listens there once closed
    }
    try (NamedHttpServer outside = new NamedHttpServer("outside");
        MeshClient mesh = MeshClient.builder().workload("client", "default").xdsServer("127.0.0.1:" + deadPort)
            .initialFetchTimeout(Duration.ofMillis(500)).build()) {
      OkHttpClient http = BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
      Request outsideCall = new Request.Builder().url("http://127.0.0.1:" + outside.port() + "/").build();
      try (Response first = http.newCall(outsideCall).execute()) { // waits for the initial fetch timer at most
        assertThat(first.code()).isEqualTo(200);
      }
      long start = System.nanoTime();
      try (Response second = http.newCall(outsideCall).execute()) {
        assertThat(second.code()).isEqualTo(200);
      }
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(400);
      for (int i = 0; i < 2; i++) {
        start = System.nanoTime();
        try (Response mesh1 = http.newCall(new Request.Builder().url("http://reviews:9080/reviews/0").build()).execute()) {
          assertThat(mesh1.code()).isEqualTo(503);
          assertThat(mesh1.header("x-bowline-response-flags")).isEqualTo("UH");
          assertThat(mesh1.body().string()).contains("no configuration received yet").contains("reviews:9080");
        }
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(400);
      }
      start = System.nanoTime();
      try {
        ClientCalls.blockingUnaryCall(BowlineGrpc.channel(mesh, "echo.default.svc.cluster.local:9090"), UNARY,
            CallOptions.DEFAULT, new byte[] {1});
        throw new AssertionError("a mesh service without configuration must fail");
      } catch (io.grpc.StatusRuntimeException e) {
        assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.UNAVAILABLE);
        assertThat(e.getStatus().getDescription()).contains("no configuration received yet");
      }
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(400);
    }
  }
}
