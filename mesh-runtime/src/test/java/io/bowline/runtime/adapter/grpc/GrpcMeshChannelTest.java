package io.bowline.runtime.adapter.grpc;

import static io.bowline.runtime.testing.EnvoyResources.clusterName;
import static io.bowline.runtime.testing.EnvoyResources.edsCluster;
import static io.bowline.runtime.testing.EnvoyResources.endpoints;
import static io.bowline.runtime.testing.EnvoyResources.headerExact;
import static io.bowline.runtime.testing.EnvoyResources.listener;
import static io.bowline.runtime.testing.EnvoyResources.prefix;
import static io.bowline.runtime.testing.EnvoyResources.routes;
import static io.bowline.runtime.testing.EnvoyResources.toCluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bowline.api.MeshClient;
import io.bowline.runtime.adapter.grpc.BowlineGrpc;
import io.bowline.runtime.testing.NamedGrpcServer;
import io.bowline.runtime.testing.XdsTestServer;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The gRPC adapter against real grpc-java servers (grpc.health.v1) over a real ADS stream. */
class GrpcMeshChannelTest {
  private static final String FQDN = "health.default.svc.cluster.local";
  private static final String V1 = clusterName(9090, "v1", FQDN);
  private static final String V2 = clusterName(9090, "v2", FQDN);
  private static final Metadata.Key<String> BACKEND = Metadata.Key.of("x-backend", Metadata.ASCII_STRING_MARSHALLER);

  private XdsTestServer xds;
  private NamedGrpcServer v1;
  private NamedGrpcServer v2;
  private MeshClient mesh;

  @BeforeEach
  void setUp() throws Exception {
    xds = new XdsTestServer();
    v1 = new NamedGrpcServer("v1");
    v2 = new NamedGrpcServer("v2");
    xds.set(Snapshot.create(
        List.of(edsCluster(V1, Cluster.LbPolicy.ROUND_ROBIN), edsCluster(V2, Cluster.LbPolicy.ROUND_ROBIN),
            edsCluster("empty", Cluster.LbPolicy.ROUND_ROBIN)),
        List.of(endpoints(V1, v1.port()), endpoints(V2, v2.port()), endpoints("empty")),
        List.of(listener(FQDN, 9090)),
        List.of(routes(FQDN, 9090,
            toCluster(headerExact("x-version", "v2"), V2),
            toCluster(headerExact("x-version", "none"), "empty"),
            toCluster(prefix("/"), V1))),
        List.of(), "1"));
    mesh = MeshClient.builder().workload("client", "default").xdsServer(xds.address()).build();
    mesh.awaitReady(Duration.ofSeconds(20));
  }

  @AfterEach
  void tearDown() throws Exception {
    mesh.close();
    v1.close();
    v2.close();
    xds.close();
  }

  private Channel channel(String target, String version, AtomicReference<Metadata> headers) {
    Metadata extra = new Metadata();
    if (version != null) {
      extra.put(Metadata.Key.of("x-version", Metadata.ASCII_STRING_MARSHALLER), version);
    }
    return ClientInterceptors.intercept(BowlineGrpc.channel(mesh, target),
        MetadataUtils.newAttachHeadersInterceptor(extra),
        MetadataUtils.newCaptureMetadataInterceptor(headers, new AtomicReference<>()));
  }

  @Test
  void unaryCallIsRoutedByMetadataWithTheTargetAsAuthority() {
    AtomicReference<Metadata> headers = new AtomicReference<>();
    var stub = HealthGrpc.newBlockingStub(channel("health:9090", null, headers));
    assertThat(stub.check(HealthCheckRequest.getDefaultInstance()).getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    assertThat(headers.get().get(BACKEND)).isEqualTo("v1");
    assertThat(headers.get().get(Metadata.Key.of("x-seen-authority", Metadata.ASCII_STRING_MARSHALLER))).isEqualTo("health:9090");
    var v2stub = HealthGrpc.newBlockingStub(channel("health:9090", "v2", headers));
    v2stub.check(HealthCheckRequest.getDefaultInstance());
    assertThat(headers.get().get(BACKEND)).isEqualTo("v2");
  }

  @Test
  void serverStreamingCallGoesThroughTheMeshToo() throws Exception {
    AtomicReference<Metadata> headers = new AtomicReference<>();
    var stub = HealthGrpc.newStub(channel(FQDN + ":9090", "v2", headers));
    CountDownLatch first = new CountDownLatch(1);
    AtomicReference<HealthCheckResponse> seen = new AtomicReference<>();
    stub.watch(HealthCheckRequest.getDefaultInstance(), new ClientResponseObserver<HealthCheckRequest, HealthCheckResponse>() {
      private ClientCallStreamObserver<HealthCheckRequest> call;

      @Override
      public void beforeStart(ClientCallStreamObserver<HealthCheckRequest> requestStream) {
        call = requestStream;
      }

      @Override
      public void onNext(HealthCheckResponse value) {
        seen.set(value);
        first.countDown();
        call.cancel("seen the first update", null);
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {}
    });
    assertThat(first.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(seen.get().getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    assertThat(headers.get().get(BACKEND)).isEqualTo("v2");
  }

  @Test
  void noHealthyUpstreamIsUnavailableWithFlagUh() {
    var stub = HealthGrpc.newBlockingStub(channel("health:9090", "none", new AtomicReference<>()));
    assertThatThrownBy(() -> stub.check(HealthCheckRequest.getDefaultInstance()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
          assertThat(e.getTrailers().get(Metadata.Key.of("x-bowline-response-flags", Metadata.ASCII_STRING_MARSHALLER))).isEqualTo("UH");
        });
  }

  @Test
  void targetsOutsideTheMeshAreCalledDirectly() {
    AtomicReference<Metadata> headers = new AtomicReference<>();
    var stub = HealthGrpc.newBlockingStub(channel("127.0.0.1:" + v2.port(), null, headers));
    stub.check(HealthCheckRequest.getDefaultInstance());
    assertThat(headers.get().get(BACKEND)).isEqualTo("v2");
  }

  @Test
  void targetWithoutPortIsRejected() {
    assertThatThrownBy(() -> BowlineGrpc.channel(mesh, "health")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("host:port");
  }
}
