package io.bowline.controlplane.translate;

import static io.bowline.controlplane.translate.XdsAssertions.cluster;
import static io.bowline.controlplane.translate.XdsAssertions.errors;
import static io.bowline.controlplane.translate.XdsAssertions.routes;
import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.controlplane.Diagnostic;
import io.bowline.controlplane.TestConfigs;
import io.bowline.controlplane.istio.IstioConfigLoader;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DestinationRule {@code trafficPolicy.portLevelSettings} (istiod's {@code MergeTrafficPolicy}): a port's entry
 * replaces the policy it belongs to as a whole for that port's clusters; a subset inherits the service cluster's
 * policy at that port field by field; a subset's own port entry replaces everything.
 */
class PortLevelSettingsTranslationTest {
  private static final String CART = "cart.shop.svc.cluster.local";

  private static XdsResources translate(Path dir, String destinationRule) {
    Path file = TestConfigs.write(dir, "config.yaml", """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: cart, namespace: shop}
        spec:
          hosts: [cart]
          ports:
          - {number: 8080, name: http, protocol: HTTP}
          - {number: 9090, name: grpc, protocol: GRPC}
          resolution: STATIC
          endpoints:
          - {address: 10.0.0.1, labels: {version: v1}}
          - {address: 10.0.0.2, labels: {version: v2}}
        ---
        """ + destinationRule);
    return new XdsTranslator().translate(IstioConfigLoader.loadFiles(List.of(file)));
  }

  @Test
  void portEntryReplacesTheRulePolicyForItsPortAndSubsetsMergeOnTop(@TempDir Path dir) {
    XdsResources r = translate(dir, """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: cart, namespace: shop}
        spec:
          host: cart
          trafficPolicy:
            loadBalancer: {simple: ROUND_ROBIN}
            connectionPool: {tcp: {maxConnections: 10}}
            portLevelSettings:
            - port: {number: 9090}
              loadBalancer:
                consistentHash: {httpHeaderName: x-user}
              outlierDetection: {consecutive5xxErrors: 3}
          subsets:
          - name: v1
            labels: {version: v1}
            trafficPolicy:
              connectionPool: {tcp: {maxConnections: 1}}
          - name: v2
            labels: {version: v2}
            trafficPolicy:
              loadBalancer: {simple: RANDOM}
              portLevelSettings:
              - port: {number: 9090}
                connectionPool: {tcp: {maxConnections: 7}}
        """);
    assertThat(errors(r)).isEmpty();
    Cluster http = cluster(r, "outbound|8080||" + CART);
    assertThat(http.getLbPolicy()).isEqualTo(Cluster.LbPolicy.ROUND_ROBIN);
    assertThat(http.getCircuitBreakers().getThresholds(0).getMaxConnections().getValue()).isEqualTo(10);
    assertThat(http.hasOutlierDetection()).isFalse();

    Cluster grpc = cluster(r, "outbound|9090||" + CART);
    assertThat(grpc.getLbPolicy()).isEqualTo(Cluster.LbPolicy.RING_HASH);
    assertThat(grpc.hasCircuitBreakers()).as("the port entry does not inherit the rule's connection pool").isFalse();
    assertThat(grpc.getOutlierDetection().getConsecutive5Xx().getValue()).isEqualTo(3);

    Cluster v1Grpc = cluster(r, "outbound|9090|v1|" + CART);
    assertThat(v1Grpc.getLbPolicy()).isEqualTo(Cluster.LbPolicy.RING_HASH);
    assertThat(v1Grpc.getCircuitBreakers().getThresholds(0).getMaxConnections().getValue()).isEqualTo(1);
    assertThat(v1Grpc.getOutlierDetection().getConsecutive5Xx().getValue()).isEqualTo(3);
    Cluster v1Http = cluster(r, "outbound|8080|v1|" + CART);
    assertThat(v1Http.getLbPolicy()).isEqualTo(Cluster.LbPolicy.ROUND_ROBIN);
    assertThat(v1Http.hasOutlierDetection()).isFalse();

    Cluster v2Grpc = cluster(r, "outbound|9090|v2|" + CART);
    assertThat(v2Grpc.getLbPolicy()).as("unset in the subset's port entry: Istio's default").isEqualTo(Cluster.LbPolicy.LEAST_REQUEST);
    assertThat(v2Grpc.getCircuitBreakers().getThresholds(0).getMaxConnections().getValue()).isEqualTo(7);
    assertThat(v2Grpc.hasOutlierDetection()).isFalse();
    assertThat(cluster(r, "outbound|8080|v2|" + CART).getLbPolicy()).isEqualTo(Cluster.LbPolicy.RANDOM);

    assertThat(routes(r, "outbound|9090||" + CART).get(0).getRoute().getHashPolicy(0).getHeader().getHeaderName())
        .isEqualTo("x-user");
    assertThat(routes(r, "outbound|8080||" + CART).get(0).getRoute().getHashPolicyList()).isEmpty();
  }

  @Test
  void entryWithoutPortIsAnErrorAndTlsIsReported(@TempDir Path dir) {
    XdsResources r = translate(dir, """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: cart, namespace: shop}
        spec:
          host: cart
          trafficPolicy:
            portLevelSettings:
            - loadBalancer: {simple: RANDOM}
            - port: {number: 8080}
              tls: {mode: SIMPLE}
        """);
    assertThat(errors(r)).extracting(Diagnostic::field).containsExactly("spec.trafficPolicy.portLevelSettings[0].port");
    assertThat(r.diagnostics()).extracting(Diagnostic::field)
        .contains("spec.trafficPolicy.portLevelSettings[1].tls.mode");
  }
}
