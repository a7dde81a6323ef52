package io.bowline.runtime.xds;

import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.runtime.bootstrap.ServerInfo;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** In the proxy's class path the xDS client finds the proxy's transport; it leaves TLS and unix servers to grpc-java. */
class ProxyTransportSelectionTest {

  private static String transportOf(ServerInfo server) {
    try (XdsTransport t = XdsTransports.create(server)) {
      return t.getClass().getName();
    }
  }

  @Test
  void aPlaintextServerIsReachedThroughTheProxysNettyTransport() {
    assertThat(transportOf(ServerInfo.insecure("127.0.0.1:15010"))).isEqualTo("io.bowline.proxy.xds.NettyXdsTransport");
    assertThat(transportOf(ServerInfo.insecure("dns:///istiod.istio-system.svc:15010")))
        .isEqualTo("io.bowline.proxy.xds.NettyXdsTransport");
  }

  @Test
  void tlsAndUnixSocketServersStayWithGrpcJava() {
    assertThat(transportOf(new ServerInfo("127.0.0.1:15012", "tls", Set.of())))
        .isEqualTo(GrpcXdsTransport.class.getName());
    assertThat(transportOf(ServerInfo.insecure("unix:///etc/istio/proxy/XDS"))).isEqualTo(GrpcXdsTransport.class.getName());
  }
}
