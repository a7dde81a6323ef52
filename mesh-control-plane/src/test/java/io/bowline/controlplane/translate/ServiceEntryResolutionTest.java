package io.bowline.controlplane.translate;

import static io.bowline.controlplane.translate.XdsAssertions.cluster;
import static io.bowline.controlplane.translate.XdsAssertions.errors;
import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.controlplane.Diagnostic;
import io.bowline.controlplane.TestConfigs;
import io.bowline.controlplane.istio.IstioConfigLoader;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ServiceEntry {@code resolution}: DNS / DNS_ROUND_ROBIN without endpoints → STRICT_DNS / LOGICAL_DNS clusters
 * whose load_assignment is the host; with endpoints → EDS; NONE → skipped with an explained warning.
 */
class ServiceEntryResolutionTest {

  private static XdsResources translate(Path dir, String yaml) {
    Path file = TestConfigs.write(dir, "config.yaml", yaml);
    return new XdsTranslator().translate(IstioConfigLoader.loadFiles(List.of(file)));
  }

  @Test
  void dnsWithoutEndpointsBecomesDnsClustersOfTheHost(@TempDir Path dir) {
    XdsResources r = translate(dir, """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: google}
        spec:
          hosts: [www.googleapis.com]
          ports:
          - {number: 80, name: http, protocol: HTTP, targetPort: 8080}
          - {number: 443, name: https, protocol: HTTPS}
          resolution: DNS
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: rr}
        spec:
          hosts: [rr.example.com]
          ports: [{number: 80, name: http}]
          resolution: DNS_ROUND_ROBIN
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: google}
        spec:
          host: www.googleapis.com
          trafficPolicy:
            loadBalancer: {simple: ROUND_ROBIN}
            outlierDetection: {consecutive5xxErrors: 2}
        """);
    assertThat(errors(r)).isEmpty();
    Cluster http = cluster(r, "outbound|80||www.googleapis.com");
    assertThat(http.getType()).isEqualTo(Cluster.DiscoveryType.STRICT_DNS);
    assertThat(http.hasEdsClusterConfig()).isFalse();
    assertThat(http.getDnsLookupFamily()).isEqualTo(Cluster.DnsLookupFamily.V4_ONLY);
    assertThat(http.getLbPolicy()).isEqualTo(Cluster.LbPolicy.ROUND_ROBIN);
    assertThat(http.getOutlierDetection().getConsecutive5Xx().getValue()).isEqualTo(2);
    ClusterLoadAssignment assignment = http.getLoadAssignment();
    assertThat(assignment.getClusterName()).isEqualTo("outbound|80||www.googleapis.com");
    SocketAddress address = assignment.getEndpoints(0).getLbEndpoints(0).getEndpoint().getAddress().getSocketAddress();
    assertThat(address.getAddress()).isEqualTo("www.googleapis.com");
    assertThat(address.getPortValue()).as("the port's targetPort").isEqualTo(8080);
    assertThat(cluster(r, "outbound|443||www.googleapis.com").getLoadAssignment().getEndpoints(0).getLbEndpoints(0)
        .getEndpoint().getAddress().getSocketAddress().getPortValue()).isEqualTo(443);
    assertThat(cluster(r, "outbound|80||rr.example.com").getType()).isEqualTo(Cluster.DiscoveryType.LOGICAL_DNS);
    assertThat(r.endpoints()).as("DNS clusters carry their endpoints inline; no EDS resource").isEmpty();
    assertThat(r.listeners()).extracting(l -> l.getName()).contains("www.googleapis.com:80", "rr.example.com:80");
  }

  @Test
  void dnsWithEndpointsIsServedOverEdsAndNoneIsSkippedWithAReason(@TempDir Path dir) {
    XdsResources r = translate(dir, """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: external}
        spec:
          hosts: [api.example.com]
          ports: [{number: 443, name: https}]
          resolution: DNS
          endpoints: [{address: backend.example.com}]
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: passthrough}
        spec:
          hosts: [other.example.com]
          ports: [{number: 80, name: http}]
          resolution: NONE
        """);
    assertThat(cluster(r, "outbound|443||api.example.com").getType()).isEqualTo(Cluster.DiscoveryType.EDS);
    assertThat(r.clusters()).extracting(Cluster::getName).doesNotContain("outbound|80||other.example.com");
    assertThat(r.diagnostics()).filteredOn(d -> d.resource().equals("ServiceEntry default/passthrough"))
        .singleElement()
        .satisfies(d -> {
          assertThat(d.field()).isEqualTo("spec.resolution");
          assertThat(d.message()).contains("ORIGINAL_DST", "not support", "skipped");
          assertThat(d.isError()).isFalse();
        });
    assertThat(errors(r)).extracting(Diagnostic::field).isEmpty();
  }
}
