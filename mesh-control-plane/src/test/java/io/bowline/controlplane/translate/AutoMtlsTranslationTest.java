package io.bowline.controlplane.translate;

import static io.bowline.controlplane.translate.XdsAssertions.cluster;
import static io.bowline.controlplane.translate.XdsAssertions.errors;
import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.controlplane.TestConfigs;
import io.bowline.controlplane.istio.IstioConfigLoader;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spec §12.5 auto mTLS, as istiod writes it for sidecars: with no {@code tls} in the DestinationRule, endpoints
 * labelled {@code security.istio.io/tlsMode: istio} carry {@code envoy.transport_socket_match} {@code tlsMode:
 * istio}, and the cluster's {@code transport_socket_matches} send them ISTIO_MUTUAL and the rest plaintext. Only a
 * client that applies them (Bowline's runtime) gets the matches; proxyless gRPC refuses such clusters.
 */
class AutoMtlsTranslationTest {
  private static final String SERVICE = "outbound|8000||httpbin.bar.svc.cluster.local";
  private static final ClientView BOWLINE = ClientView.sidecar("bar", Map.of(), "", true);

  @TempDir
  Path dir;

  @BeforeEach
  void workloads() {
    TestConfigs.write(dir, "00-httpbin.yaml", """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: httpbin, namespace: bar}
        spec:
          hosts: [httpbin.bar.svc.cluster.local]
          ports: [{number: 8000, name: http}]
          resolution: STATIC
          workloadSelector: {labels: {app: httpbin}}
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: httpbin-mesh, namespace: bar}
        spec: {address: 10.0.1.10, labels: {app: httpbin, security.istio.io/tlsMode: istio}, serviceAccount: httpbin}
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: httpbin-legacy, namespace: bar}
        spec: {address: 10.0.1.11, labels: {app: httpbin}}
        """);
  }

  private static Map<String, String> tlsMode(ClusterLoadAssignment cla, String address) {
    LbEndpoint e = cla.getEndpointsList().stream().flatMap(l -> l.getLbEndpointsList().stream())
        .filter(l -> l.getEndpoint().getAddress().getSocketAddress().getAddress().equals(address)).findFirst().orElseThrow();
    var filter = e.getMetadata().getFilterMetadataMap().get("envoy.transport_socket_match");
    return filter == null ? Map.of() : Map.of("tlsMode", filter.getFieldsOrThrow("tlsMode").getStringValue());
  }

  @Test
  void endpointsWithTheMeshCertificateAreMarkedAndTheClusterMatchesThemWithIstioMutual() throws Exception {
    XdsResources resources = new XdsTranslator().translate(IstioConfigLoader.load(dir), BOWLINE);
    assertThat(errors(resources)).isEmpty();
    ClusterLoadAssignment cla = resources.endpoints().stream().filter(c -> c.getClusterName().equals(SERVICE))
        .findFirst().orElseThrow();
    assertThat(tlsMode(cla, "10.0.1.10")).isEqualTo(Map.of("tlsMode", "istio"));
    assertThat(tlsMode(cla, "10.0.1.11")).isEmpty();

    Cluster cluster = cluster(resources, SERVICE);
    assertThat(cluster.hasTransportSocket()).isFalse();
    assertThat(cluster.getTransportSocketMatchesList()).extracting(Cluster.TransportSocketMatch::getName)
        .containsExactly("tlsMode-istio", "tlsMode-disabled");
    Cluster.TransportSocketMatch istio = cluster.getTransportSocketMatches(0);
    assertThat(istio.getMatch().getFieldsOrThrow("tlsMode").getStringValue()).isEqualTo("istio");
    UpstreamTlsContext tls = istio.getTransportSocket().getTypedConfig().unpack(UpstreamTlsContext.class);
    assertThat(tls.getCommonTlsContext().getTlsCertificateProviderInstance().getInstanceName()).isEqualTo("default");
    assertThat(tls.getCommonTlsContext().getCombinedValidationContext().getDefaultValidationContext()
        .getMatchSubjectAltNamesList()).extracting(m -> m.getExact())
        .containsExactly("spiffe://cluster.local/ns/bar/sa/httpbin");
    assertThat(cluster.getTransportSocketMatches(1).getMatch().getFieldsCount()).isZero();
    assertThat(cluster.getTransportSocketMatches(1).getTransportSocket().getName())
        .isEqualTo("envoy.transport_sockets.raw_buffer");
  }

  @Test
  void proxylessGrpcClientsGetNoTransportSocketMatches() {
    XdsResources resources = new XdsTranslator().translate(IstioConfigLoader.load(dir),
        new ClientView("bar", Map.of(), ""));
    assertThat(cluster(resources, SERVICE).getTransportSocketMatchesCount()).isZero();
  }

  @Test
  void aDestinationRuleThatSetsTlsWinsOverAutoMtls() {
    TestConfigs.write(dir, "10-dr.yaml", """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: httpbin, namespace: bar}
        spec:
          host: httpbin
          trafficPolicy: {tls: {mode: DISABLE}}
        """);
    XdsResources resources = new XdsTranslator().translate(IstioConfigLoader.load(dir), BOWLINE);
    assertThat(cluster(resources, SERVICE).getTransportSocketMatchesList()).isEqualTo(List.of());
    assertThat(cluster(resources, SERVICE).hasTransportSocket()).isFalse();
  }
}
