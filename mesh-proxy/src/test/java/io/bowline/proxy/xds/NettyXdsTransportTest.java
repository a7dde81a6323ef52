package io.bowline.proxy.xds;

import static io.bowline.runtime.testing.EnvoyResources.edsCluster;
import static io.bowline.runtime.testing.EnvoyResources.endpoints;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bowline.runtime.testing.XdsTestServer;
import io.bowline.runtime.xds.XdsClient;
import io.bowline.runtime.xds.XdsResources;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The proxy's gRPC-over-HTTP/2 xDS transport against grpc-java servers: a server's {@code GOAWAY} (max
 * connection age) ends the stream, and the client opens a new connection and resubscribes with what it
 * accepted; plus the small pieces of gRPC over HTTP/2 it implements itself.
 */
class NettyXdsTransportTest {
  private static final Node NODE = Node.newBuilder().setId("sidecar~127.0.0.1~sleep-1.default~default.svc.cluster.local").build();

  @Test
  void afterTheServersGoAwayTheClientReconnectsAndResubscribesWithTheAcceptedVersion() throws Exception {
    try (XdsTestServer server = XdsTestServer.withMaxConnectionAge(Duration.ofMillis(500))) {
      server.set(Snapshot.create(List.of(edsCluster("c", Cluster.LbPolicy.ROUND_ROBIN)), List.of(endpoints("c", 9080)),
          List.of(), List.of(), List.of(), "1"));
      AtomicReference<XdsResources> latest = new AtomicReference<>();
      try (XdsClient client = new XdsClient(server.address(), NODE, Duration.ofSeconds(15), latest::set)) {
        client.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> latest.get() != null && latest.get().clusters().containsKey("c"));
        // every stream begins with the node; after the first, the CDS request carries the accepted version "1"
        await().atMost(Duration.ofSeconds(15)).until(() -> streamsOpened(server.requests()) >= 3);
        List<DiscoveryRequest> firsts = server.requests().stream().filter(DiscoveryRequest::hasNode).toList();
        assertThat(firsts.subList(1, firsts.size())).allSatisfy(r -> assertThat(r.getVersionInfo()).isEqualTo("1"));
        assertThat(server.requests()).allSatisfy(r -> assertThat(r.hasErrorDetail()).isFalse());
        assertThat(latest.get().clusters()).containsKey("c");
        await().atMost(Duration.ofSeconds(5)).until(() -> client.status().connected());
      }
    }
  }

  private static long streamsOpened(List<DiscoveryRequest> requests) {
    return requests.stream().filter(DiscoveryRequest::hasNode).count();
  }

  @Test
  void targetsAreHostPortOrDnsWithPortDefaulting443AndOtherSchemesAreDeclined() {
    assertThat(NettyXdsTransportFactory.address("127.0.0.1:15010"))
        .isEqualTo(InetSocketAddress.createUnresolved("127.0.0.1", 15010));
    assertThat(NettyXdsTransportFactory.address("dns:///istiod.istio-system.svc:15010"))
        .isEqualTo(InetSocketAddress.createUnresolved("istiod.istio-system.svc", 15010));
    assertThat(NettyXdsTransportFactory.address("[::1]:15010")).isEqualTo(InetSocketAddress.createUnresolved("::1", 15010));
    assertThat(NettyXdsTransportFactory.address("istiod")).isEqualTo(InetSocketAddress.createUnresolved("istiod", 443));
    assertThat(NettyXdsTransportFactory.address("unix:///etc/istio/proxy/XDS")).isNull();
    assertThat(NettyXdsTransportFactory.address("xds:///istiod")).isNull();
    assertThat(NettyXdsTransportFactory.address("::1:15010")).isNull();
    assertThat(NettyXdsTransportFactory.address("host:99999")).isNull();
  }

  @Test
  void grpcStatusAndMessageAreReadAsTheGrpcOverHttp2SpecWritesThem() {
    assertThat(GrpcStream.codeName("14")).isEqualTo("UNAVAILABLE");
    assertThat(GrpcStream.codeName("0")).isEqualTo("OK");
    assertThat(GrpcStream.codeName("17")).isEqualTo("UNKNOWN");
    assertThat(GrpcStream.codeName("x")).isEqualTo("UNKNOWN");
    assertThat(GrpcStream.percentDecode("bad cluster %E2%9C%93 100%25 a+b")).isEqualTo("bad cluster ✓ 100% a+b");
    assertThat(GrpcStream.percentDecode("%zz%")).isEqualTo("%zz%");
    assertThat(GrpcStream.httpStatusCode("503")).isEqualTo("UNAVAILABLE");
    assertThat(GrpcStream.httpStatusCode("404")).isEqualTo("UNIMPLEMENTED");
    assertThat(GrpcConnection.resetCode(0x8)).isEqualTo("CANCELLED");
    assertThat(GrpcConnection.resetCode(0x7)).isEqualTo("UNAVAILABLE");
  }
}
