package io.bowline.controlplane.translate;

import static io.bowline.controlplane.translate.XdsAssertions.cluster;
import static io.bowline.controlplane.translate.XdsAssertions.errors;
import static io.bowline.controlplane.translate.XdsAssertions.routes;
import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.controlplane.Diagnostic;
import io.bowline.controlplane.TestConfigs;
import io.bowline.controlplane.istio.IstioConfigLoader;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Spec §7 Istio → Envoy: {@code loadBalancer.consistentHash} → RING_HASH / MAGLEV clusters and route hash_policy. */
class ConsistentHashTranslationTest {
  private static final String REVIEWS = "reviews.default.svc.cluster.local";
  private static final String ROUTES = "outbound|9080||" + REVIEWS;

  private static XdsResources translate(Path dir, String yaml) {
    Path file = TestConfigs.write(dir, "config.yaml", yaml);
    return new XdsTranslator().translate(IstioConfigLoader.loadFiles(List.of(TestConfigs.bookinfoServices(), file)));
  }

  private static final String SUBSETS_VS = """
      ---
      apiVersion: networking.istio.io/v1
      kind: VirtualService
      metadata: {name: reviews}
      spec:
        hosts: [reviews]
        http:
        - match: [{headers: {end-user: {exact: jason}}}]
          route: [{destination: {host: reviews, subset: v2}}]
        - route:
          - {destination: {host: reviews, subset: v1}, weight: 50}
          - {destination: {host: reviews, subset: v3}, weight: 50}
      """;

  @Test
  void ringHashOnTheRuleWithSubsetMaglevOverride(@TempDir Path dir) {
    XdsResources r = translate(dir, """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: reviews}
        spec:
          host: reviews
          trafficPolicy:
            loadBalancer:
              consistentHash:
                httpCookie: {name: session, path: /, ttl: 10s}
                ringHash: {minimumRingSize: 2048}
          subsets:
          - name: v1
            labels: {version: v1}
          - name: v2
            labels: {version: v2}
            trafficPolicy:
              loadBalancer:
                consistentHash:
                  httpHeaderName: x-user
                  maglev: {tableSize: 131}
          - name: v3
            labels: {version: v3}
            trafficPolicy:
              loadBalancer: {simple: ROUND_ROBIN}
        """ + SUBSETS_VS);
    assertThat(errors(r)).isEmpty();
    Cluster service = cluster(r, ROUTES);
    assertThat(service.getLbPolicy()).isEqualTo(Cluster.LbPolicy.RING_HASH);
    assertThat(service.getRingHashLbConfig().getMinimumRingSize().getValue()).isEqualTo(2048);
    assertThat(cluster(r, "outbound|9080|v1|" + REVIEWS).getLbPolicy()).isEqualTo(Cluster.LbPolicy.RING_HASH);
    Cluster v2 = cluster(r, "outbound|9080|v2|" + REVIEWS);
    assertThat(v2.getLbPolicy()).isEqualTo(Cluster.LbPolicy.MAGLEV);
    assertThat(v2.getMaglevLbConfig().getTableSize().getValue()).isEqualTo(131);
    assertThat(v2.hasRingHashLbConfig()).isFalse();
    Cluster v3 = cluster(r, "outbound|9080|v3|" + REVIEWS);
    assertThat(v3.getLbPolicy()).isEqualTo(Cluster.LbPolicy.ROUND_ROBIN);
    assertThat(v3.hasRingHashLbConfig()).isFalse();

    List<Route> routes = routes(r, ROUTES);
    RouteAction toV2 = routes.get(0).getRoute();
    assertThat(toV2.getHashPolicyList()).hasSize(1);
    assertThat(toV2.getHashPolicy(0).getHeader().getHeaderName()).isEqualTo("x-user");
    // v1 (cookie) and v3 (round robin): the first destination with a consistent hash supplies it.
    RouteAction split = routes.get(1).getRoute();
    assertThat(split.getHashPolicyList()).hasSize(1);
    RouteAction.HashPolicy.Cookie cookie = split.getHashPolicy(0).getCookie();
    assertThat(cookie.getName()).isEqualTo("session");
    assertThat(cookie.getPath()).isEqualTo("/");
    assertThat(cookie.getTtl().getSeconds()).isEqualTo(10);
    assertThat(toV2.getRetryPolicy().getRetryHostPredicateList())
        .as("Istio omits previous_hosts with a consistent hash: a retry stays on the hashed host").isEmpty();
    assertThat(toV2.getRetryPolicy().getNumRetries().getValue()).isEqualTo(2);
    assertThat(cluster(r, "outbound|9080||ratings.default.svc.cluster.local").getLbPolicy())
        .isEqualTo(Cluster.LbPolicy.LEAST_REQUEST);
  }

  @Test
  void sourceIpAndQueryParameterWithDefaultRingAndDeprecatedMinimumRingSize(@TempDir Path dir) {
    XdsResources r = translate(dir, """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: reviews}
        spec:
          host: reviews
          trafficPolicy:
            loadBalancer:
              consistentHash: {useSourceIp: true}
          subsets:
          - name: v1
            labels: {version: v1}
            trafficPolicy:
              loadBalancer:
                consistentHash: {httpQueryParameterName: user, minimumRingSize: 4096}
          - name: v2
            labels: {version: v2}
            trafficPolicy:
              loadBalancer:
                consistentHash: {httpHeaderName: x-user, maglev: {}}
          - name: v3
            labels: {version: v3}
        """ + SUBSETS_VS);
    assertThat(errors(r)).isEmpty();
    assertThat(cluster(r, ROUTES).getRingHashLbConfig().getMinimumRingSize().getValue())
        .isEqualTo(ClusterTranslator.DEFAULT_MINIMUM_RING_SIZE);
    assertThat(cluster(r, "outbound|9080|v1|" + REVIEWS).getRingHashLbConfig().getMinimumRingSize().getValue())
        .isEqualTo(4096);
    Cluster v2 = cluster(r, "outbound|9080|v2|" + REVIEWS);
    assertThat(v2.getLbPolicy()).isEqualTo(Cluster.LbPolicy.MAGLEV);
    assertThat(v2.hasMaglevLbConfig()).isFalse();
    List<Route> routes = routes(r, ROUTES);
    assertThat(routes.get(1).getRoute().getHashPolicy(0).getQueryParameter().getName()).isEqualTo("user");
    // The service's default route (no VirtualService for ratings) has no destination rule: no hash policy.
    assertThat(routes(r, "outbound|9080||ratings.default.svc.cluster.local").get(0).getRoute().getHashPolicyList())
        .isEmpty();
  }

  @Test
  void defaultRouteOfAServiceUsesItsConsistentHash(@TempDir Path dir) {
    XdsResources r = translate(dir, """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: ratings}
        spec:
          host: ratings
          trafficPolicy:
            loadBalancer:
              consistentHash: {useSourceIp: true}
        """);
    assertThat(errors(r)).isEmpty();
    List<Route> routes = routes(r, "outbound|9080||ratings.default.svc.cluster.local");
    assertThat(routes.get(routes.size() - 1).getRoute().getHashPolicy(0).getConnectionProperties().getSourceIp())
        .isTrue();
    assertThat(routes.get(routes.size() - 1).getRoute().getRetryPolicy().getRetryHostPredicateList()).isEmpty();
  }

  @Test
  void invalidConsistentHashIsAnErrorNamingTheField(@TempDir Path dir) {
    XdsResources r = translate(dir, """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: reviews}
        spec:
          host: reviews
          trafficPolicy:
            loadBalancer:
              simple: RANDOM
              consistentHash: {httpHeaderName: a}
          subsets:
          - name: v1
            labels: {version: v1}
            trafficPolicy:
              loadBalancer:
                consistentHash: {httpHeaderName: a, useSourceIp: true}
        """);
    assertThat(errors(r)).extracting(Diagnostic::field)
        .contains("spec.trafficPolicy.loadBalancer.simple",
            "spec.subsets[0].trafficPolicy.loadBalancer.consistentHash.httpHeaderName");
  }
}
