package io.bowline.controlplane.translate;

import static io.bowline.controlplane.translate.XdsAssertions.cluster;
import static io.bowline.controlplane.translate.XdsAssertions.endpoints;
import static io.bowline.controlplane.translate.XdsAssertions.errors;
import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.controlplane.Diagnostic;
import io.bowline.controlplane.TestConfigs;
import io.bowline.controlplane.istio.IstioConfig;
import io.bowline.controlplane.istio.IstioConfigLoader;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Spec §7 Istio → Envoy: {@code localityLbSetting} distribute / failover, relative to each client's locality. */
class LocalityLoadBalancingTest {
  private static final String CART = "outbound|8080||cart.default.svc.cluster.local";

  private static IstioConfig load(Path dir, String destinationRule) {
    Path file = TestConfigs.write(dir, "config.yaml", """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: cart}
        spec:
          hosts: [cart]
          ports: [{number: 8080, name: http}]
          resolution: STATIC
          endpoints:
          - {address: 10.0.0.1, locality: us-east/a/1}
          - {address: 10.0.0.2, locality: us-east/a/2}
          - {address: 10.0.0.3, locality: us-east/b}
          - {address: 10.0.0.4, locality: us-west/a, weight: 3}
          - {address: 10.0.0.5, locality: eu-west/a}
        ---
        """ + destinationRule);
    return IstioConfigLoader.loadFiles(List.of(file));
  }

  private static Map<String, Integer> priorities(ClusterLoadAssignment assignment) {
    return assignment.getEndpointsList().stream().collect(Collectors.toMap(
        e -> e.getLocality().getRegion() + "/" + e.getLocality().getZone() + "/" + e.getLocality().getSubZone(),
        LocalityLbEndpoints::getPriority));
  }

  private static XdsResources as(IstioConfig config, String locality) {
    return new XdsTranslator().translate(config, new ClientView("default", Map.of(), locality));
  }

  @Test
  void withOutlierDetectionPrioritiesFollowProximityAndFailover(@TempDir Path dir) {
    IstioConfig config = load(dir, """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: cart}
        spec:
          host: cart
          trafficPolicy:
            outlierDetection: {consecutive5xxErrors: 1}
            loadBalancer:
              localityLbSetting:
                failover: [{from: us-east, to: eu-west}]
        """);
    XdsResources r = as(config, "us-east/a/1");
    assertThat(errors(r)).isEmpty();
    assertThat(priorities(endpoints(r, CART))).isEqualTo(Map.of(
        "us-east/a/1", 0, "us-east/a/2", 1, "us-east/b/", 2, "eu-west/a/", 3, "us-west/a/", 4));
    // A client elsewhere: no failover rule from its region, so every other region is priority 3, renumbered.
    assertThat(priorities(endpoints(as(config, "us-west/a"), CART))).isEqualTo(Map.of(
        "us-west/a/", 0, "us-east/a/1", 1, "us-east/a/2", 1, "us-east/b/", 1, "eu-west/a/", 1));
    // Unknown client locality: the assignment is left as is.
    assertThat(priorities(endpoints(new XdsTranslator().translate(config), CART))).containsOnlyKeys(
        "us-east/a/1", "us-east/a/2", "us-east/b/", "us-west/a/", "eu-west/a/").allSatisfy((k, p) -> assertThat(p).isZero());
  }

  @Test
  void withoutOutlierDetectionThereIsNoFailover(@TempDir Path dir) {
    IstioConfig config = load(dir, """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: cart}
        spec:
          host: cart
          trafficPolicy:
            loadBalancer:
              localityLbSetting:
                failover: [{from: us-east, to: eu-west}]
        """);
    assertThat(priorities(endpoints(as(config, "us-east/a/1"), CART)).values()).containsOnly(0);
  }

  @Test
  void distributeSetsLocalityWeightsAndDropsUnmatchedLocalities(@TempDir Path dir) {
    IstioConfig config = load(dir, """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: cart}
        spec:
          host: cart
          trafficPolicy:
            loadBalancer:
              localityLbSetting:
                distribute:
                - from: us-east/a/*
                  to: {"us-east/*": 80, "us-west/a": 20}
        """);
    XdsResources r = as(config, "us-east/a/2");
    assertThat(errors(r)).isEmpty();
    Map<String, Integer> weights = endpoints(r, CART).getEndpointsList().stream()
        .filter(e -> e.getLbEndpointsCount() > 0)
        .collect(Collectors.toMap(e -> e.getLocality().getRegion() + "/" + e.getLocality().getZone()
            + "/" + e.getLocality().getSubZone(), e -> e.getLoadBalancingWeight().getValue()));
    // 80 split over three us-east localities of weight 1 each (rounded up); us-west/a gets all 20.
    assertThat(weights).isEqualTo(Map.of("us-east/a/1", 27, "us-east/a/2", 27, "us-east/b/", 27, "us-west/a/", 20));
    // A client the rule's from does not match sees the plain assignment.
    assertThat(endpoints(as(config, "eu-west/a"), CART).getEndpointsList())
        .allSatisfy(e -> assertThat(e.getLbEndpointsCount()).isEqualTo(1));
  }

  @Test
  void aDistributeRuleThatDoesNotMatchTheClientMeansNoFailoverEither(@TempDir Path dir) {
    IstioConfig config = load(dir, """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: cart}
        spec:
          host: cart
          trafficPolicy:
            outlierDetection: {consecutive5xxErrors: 1}
            loadBalancer:
              localityLbSetting:
                distribute: [{from: eu-west/*, to: {"eu-west/*": 100}}]
        """);
    // istiod's ApplyLocalityLoadBalancer takes the distribute branch whenever rules exist.
    assertThat(priorities(endpoints(as(config, "us-east/a/1"), CART)).values()).containsOnly(0);
  }

  @Test
  void clustersAreLocalityWeightedUnlessLocalityLoadBalancingIsDisabled(@TempDir Path dir) {
    IstioConfig meshDefault = load(dir, "");
    assertThat(cluster(as(meshDefault, "us-east/a/1"), CART).getCommonLbConfig().hasLocalityWeightedLbConfig())
        .as("the mesh default enables locality load balancing").isTrue();
    IstioConfig disabled = load(dir, """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: cart}
        spec:
          host: cart
          trafficPolicy:
            loadBalancer: {localityLbSetting: {enabled: false}}
        """);
    assertThat(cluster(as(disabled, "us-east/a/1"), CART).getCommonLbConfig().hasLocalityWeightedLbConfig()).isFalse();
  }

  @Test
  void badSettingsAreNamed(@TempDir Path dir) {
    XdsResources r = as(load(dir, """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: cart}
        spec:
          host: cart
          trafficPolicy:
            loadBalancer:
              localityLbSetting:
                distribute: [{from: "*", to: {"us-east": 50}}]
                failoverPriority: [topology.kubernetes.io/region]
        """), "us-east/a");
    assertThat(errors(r)).extracting(Diagnostic::field)
        .containsExactly("spec.trafficPolicy.loadBalancer.localityLbSetting.distribute[0].to");
    // failoverPriority is translated (FailoverPriorityAndWarmupTest); a matching distribute rule takes precedence
    assertThat(r.diagnostics()).extracting(Diagnostic::field)
        .doesNotContain("spec.trafficPolicy.loadBalancer.localityLbSetting.failoverPriority");
  }
}
