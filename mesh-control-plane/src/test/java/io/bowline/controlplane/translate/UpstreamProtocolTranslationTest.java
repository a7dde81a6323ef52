package io.bowline.controlplane.translate;

import static io.bowline.controlplane.translate.XdsAssertions.errors;
import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.controlplane.TestConfigs;
import io.bowline.controlplane.istio.IstioConfigLoader;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The port's protocol (Kubernetes {@code appProtocol}, else the port name's prefix; ServiceEntry {@code protocol})
 * sets the upstream protocol of the port's clusters as istiod does: {@code grpc}, {@code grpc-web} and
 * {@code http2} ports get {@code HttpProtocolOptions} with explicit HTTP/2, a port of no known protocol
 * {@code use_downstream_protocol_config}, an {@code http} port nothing (HTTP/1.1).
 */
class UpstreamProtocolTranslationTest {
  private static final String SERVICES = """
      apiVersion: v1
      kind: Service
      metadata: {name: echo, namespace: default}
      spec:
        selector: {app: echo}
        ports:
        - {name: grpc-api, port: 7070}
        - {name: web, port: 7071, appProtocol: http2}
        - {name: grpc-web, port: 7072}
        - {name: http-plain, port: 7073, appProtocol: http}
        - {name: anything, port: 7074}
        - {name: http, port: 7075, appProtocol: grpc}
      ---
      apiVersion: networking.istio.io/v1
      kind: DestinationRule
      metadata: {name: echo, namespace: default}
      spec:
        host: echo
        subsets: [{name: v1, labels: {version: v1}}]
      """;

  @TempDir
  Path dir;

  private HttpProtocolOptions options(XdsResources resources, String cluster) throws Exception {
    Cluster c = resources.clusters().stream().filter(x -> x.getName().equals(cluster)).findFirst().orElseThrow();
    var any = c.getTypedExtensionProtocolOptionsMap().get("envoy.extensions.upstreams.http.v3.HttpProtocolOptions");
    return any == null ? null : any.unpack(HttpProtocolOptions.class);
  }

  @Test
  void grpcGrpcWebAndHttp2PortsAreHttp2AndUnknownOnesUseTheDownstreamProtocol() throws Exception {
    XdsResources r = new XdsTranslator().translate(
        IstioConfigLoader.loadFiles(List.of(TestConfigs.write(dir, "echo.yaml", SERVICES))));
    String host = "echo.default.svc.cluster.local";

    assertThat(errors(r)).isEmpty();
    for (int port : new int[] {7070, 7071, 7072, 7075}) {
      for (String subset : new String[] {"", "v1"}) {
        HttpProtocolOptions o = options(r, "outbound|" + port + "|" + subset + "|" + host);
        assertThat(o).as("port %s subset '%s'", port, subset).isNotNull();
        assertThat(o.getExplicitHttpConfig().hasHttp2ProtocolOptions()).isTrue();
      }
    }
    assertThat(options(r, "outbound|7073||" + host)).isNull();
    HttpProtocolOptions sniffed = options(r, "outbound|7074||" + host);
    assertThat(sniffed.hasUseDownstreamProtocolConfig()).isTrue();
    assertThat(sniffed.getUseDownstreamProtocolConfig().hasHttp2ProtocolOptions()).isTrue();
  }
}
