package io.bowline.controlplane.translate;

import static io.bowline.controlplane.translate.XdsAssertions.errors;
import static io.bowline.controlplane.translate.XdsAssertions.listener;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.google.protobuf.InvalidProtocolBufferException;
import io.bowline.controlplane.TestConfigs;
import io.bowline.controlplane.istio.IstioConfigLoader;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sidecar's outbound TCP listeners, as istiod's sidecar generator builds them for Istio's tcp-echo task: the
 * unchanged {@code tcp-echo-services.yaml} (a Service with ports {@code tcp} 9000 and {@code tcp-other} 9001) and a
 * mesh VirtualService {@code tcp} rule weighted 20/80 between subsets v1 and v2.
 */
class TcpListenerTranslationTest {
  private static final String HOST = "tcp-echo.default.svc.cluster.local";
  private static final String ROUTING = """
      apiVersion: networking.istio.io/v1
      kind: DestinationRule
      metadata: {name: tcp-echo, namespace: default}
      spec:
        host: tcp-echo
        subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
      ---
      apiVersion: networking.istio.io/v1
      kind: VirtualService
      metadata: {name: tcp-echo, namespace: default}
      spec:
        hosts: [tcp-echo]
        tcp:
        - match: [{port: 9000}]
          route:
          - {destination: {host: tcp-echo, port: {number: 9000}, subset: v1}, weight: 20}
          - {destination: {host: tcp-echo, port: {number: 9000}, subset: v2}, weight: 80}
      """;

  @TempDir
  Path dir;

  private XdsResources translate(String yaml) {
    return new XdsTranslator().translate(IstioConfigLoader.loadFiles(List.of(
        TestConfigs.istioFixture("samples__tcp-echo__tcp-echo-services.yaml"),
        TestConfigs.write(dir, "routing.yaml", yaml))));
  }

  private static TcpProxy tcpProxy(Listener listener) throws InvalidProtocolBufferException {
    assertThat(listener.getFilterChainsList()).hasSize(1);
    assertThat(listener.getFilterChains(0).getFiltersList()).hasSize(1);
    assertThat(listener.getFilterChains(0).getFilters(0).getName()).isEqualTo("envoy.filters.network.tcp_proxy");
    return listener.getFilterChains(0).getFilters(0).getTypedConfig().unpack(TcpProxy.class);
  }

  @Test
  void aTcpRuleOfTheMeshWeightsTheListenerOfItsPortBetweenSubsetClusters() throws Exception {
    XdsResources resources = translate(ROUTING);

    assertThat(errors(resources)).isEmpty();
    Listener listener = listener(resources, "0.0.0.0_9000");
    assertThat(listener.hasApiListener()).isFalse();
    assertThat(listener.getAddress().getSocketAddress().getAddress()).isEqualTo("0.0.0.0");
    assertThat(listener.getAddress().getSocketAddress().getPortValue()).isEqualTo(9000);
    assertThat(tcpProxy(listener).getWeightedClusters().getClustersList())
        .extracting(c -> c.getName(), c -> c.getWeight())
        .containsExactly(tuple("outbound|9000|v1|" + HOST, 20), tuple("outbound|9000|v2|" + HOST, 80));
  }

  @Test
  void meshConfigsAccessLogFileGoesOnEveryTcpProxyAsIstiodLogsTcpConnections() throws Exception {
    XdsResources resources = translate(ROUTING + """
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: istio, namespace: istio-system}
        data:
          mesh: |-
            accessLogFile: /dev/stdout
        """);

    assertThat(errors(resources)).isEmpty();
    for (String name : List.of("0.0.0.0_9000", "0.0.0.0_9001")) {
      TcpProxy proxy = tcpProxy(listener(resources, name));
      assertThat(proxy.getAccessLogList()).as(name).hasSize(1);
      assertThat(proxy.getAccessLog(0).getName()).isEqualTo("envoy.access_loggers.file");
      assertThat(proxy.getAccessLog(0).getTypedConfig().unpack(FileAccessLog.class).getPath()).isEqualTo("/dev/stdout");
    }
    assertThat(tcpProxy(listener(translate(ROUTING), "0.0.0.0_9000")).getAccessLogList())
        .as("without access logging configured").isEmpty();
  }

  @Test
  void aPortNoTcpRuleMatchesGoesToTheServiceCluster() throws Exception {
    TcpProxy proxy = tcpProxy(listener(translate(ROUTING), "0.0.0.0_9001"));

    assertThat(proxy.getCluster()).isEqualTo("outbound|9001||" + HOST);
    assertThat(proxy.getStatPrefix()).isEqualTo("outbound|9001||" + HOST);
  }

  @Test
  void aSingleDestinationIsTheProxysClusterAndARuleWithoutPortMatchesEveryPort() throws Exception {
    XdsResources resources = translate(ROUTING.replace("match: [{port: 9000}]", "route:\n    - destination: "
        + "{host: tcp-echo, subset: v2}\n  - match: [{port: 9000}]"));

    assertThat(errors(resources)).isEmpty();
    assertThat(tcpProxy(listener(resources, "0.0.0.0_9000")).getCluster()).isEqualTo("outbound|9000|v2|" + HOST);
    assertThat(tcpProxy(listener(resources, "0.0.0.0_9001")).getCluster()).isEqualTo("outbound|9001|v2|" + HOST);
  }

  @Test
  void httpPortsGetNoTcpListenerAndGatewaysGetNone() {
    String httpService = ROUTING + """
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: web, namespace: default}
        spec:
          hosts: [web.default.svc.cluster.local]
          ports: [{number: 9080, name: http, protocol: HTTP}, {number: 9090, name: grpc, protocol: GRPC}]
          resolution: STATIC
          endpoints: [{address: 127.0.0.1}]
        """;
    XdsResources sidecar = translate(httpService);
    XdsResources gateway = new XdsTranslator().translate(IstioConfigLoader.loadFiles(List.of(
        TestConfigs.istioFixture("samples__tcp-echo__tcp-echo-services.yaml"),
        TestConfigs.write(dir, "routing.yaml", httpService))), ClientView.router("istio-system", java.util.Map.of()));

    assertThat(errors(sidecar)).isEmpty();
    assertThat(sidecar.listeners()).extracting(Listener::getName)
        .contains("0.0.0.0_9000", "0.0.0.0_9001", "web.default.svc.cluster.local:9080")
        .doesNotContain("0.0.0.0_9080", "0.0.0.0_9090");
    assertThat(gateway.listeners()).extracting(Listener::getName).noneMatch(n -> n.startsWith("0.0.0.0_90"));
  }
}
