package io.bowline.controlplane.translate;

import static io.bowline.controlplane.translate.XdsAssertions.cluster;
import static io.bowline.controlplane.translate.XdsAssertions.endpoints;
import static io.bowline.controlplane.translate.XdsAssertions.errors;
import static io.bowline.controlplane.translate.XdsAssertions.routes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.bowline.controlplane.Diagnostic;
import io.bowline.controlplane.Diagnostic.Severity;
import io.bowline.controlplane.TestConfigs;
import io.bowline.controlplane.istio.IstioConfigLoader;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster.ClusterWeight;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Istio → xDS translation rules, each pinned with a small configuration of its own. */
class XdsTranslatorTest {

  private static final String SHOP = "cart.shop.svc.cluster.local";

  /** A two-port service {@code cart} in namespace {@code shop} with v1/v2 workloads and subsets. */
  private static final String CART = """
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: cart, namespace: shop}
      spec:
        hosts: [cart]
        ports:
        - {number: 8080, name: http, protocol: HTTP}
        - {number: 9090, name: grpc, protocol: GRPC, targetPort: 19090}
        resolution: STATIC
        endpoints:
        - {address: 10.0.0.1, ports: {http: 18080}, labels: {version: v1}}
        - {address: 10.0.0.2, labels: {version: v2, track: canary}, weight: 5}
      ---
      apiVersion: networking.istio.io/v1
      kind: DestinationRule
      metadata: {name: cart, namespace: shop}
      spec:
        host: cart.shop.svc.cluster.local
        trafficPolicy:
          loadBalancer: {simple: LEAST_CONN}
          connectionPool: {tcp: {maxConnections: 10}}
        subsets:
        - name: v1
          labels: {version: v1}
          trafficPolicy: {loadBalancer: {simple: ROUND_ROBIN}}
        - name: v2
          labels: {version: v2}
      """;

  @TempDir
  Path dir;

  private XdsResources translate(String... documents) {
    TestConfigs.write(dir, "00-cart.yaml", CART);
    for (int i = 0; i < documents.length; i++) {
      TestConfigs.write(dir, "10-config-" + i + ".yaml", documents[i]);
    }
    return new XdsTranslator().translate(IstioConfigLoader.load(dir));
  }

  @Test
  void everyPortGetsClustersEndpointsListenerAndRoutes() {
    XdsResources resources = translate();

    assertThat(errors(resources)).isEmpty();
    assertThat(resources.clusters()).extracting(Cluster::getName, Cluster::getLbPolicy).containsExactly(
        tuple("outbound|8080||" + SHOP, Cluster.LbPolicy.LEAST_REQUEST),
        tuple("outbound|8080|v1|" + SHOP, Cluster.LbPolicy.ROUND_ROBIN),
        tuple("outbound|8080|v2|" + SHOP, Cluster.LbPolicy.LEAST_REQUEST),
        tuple("outbound|9090||" + SHOP, Cluster.LbPolicy.LEAST_REQUEST),
        tuple("outbound|9090|v1|" + SHOP, Cluster.LbPolicy.ROUND_ROBIN),
        tuple("outbound|9090|v2|" + SHOP, Cluster.LbPolicy.LEAST_REQUEST));
    assertThat(resources.listeners()).extracting(l -> l.getName()).containsExactly(SHOP + ":8080", SHOP + ":9090");
    assertThat(resources.routeConfigurations()).extracting(r -> r.getName())
        .containsExactly("outbound|8080||" + SHOP, "outbound|9090||" + SHOP);
    assertThat(resources.diagnostics()).isEmpty(); // connectionPool is translated (ClusterPolicyTranslator)
  }

  @Test
  void endpointPortsComeFromTheNamedPortElseTargetPortElseTheServicePort() {
    XdsResources resources = translate();

    assertThat(endpoints(resources, "outbound|8080||" + SHOP).getEndpoints(0).getLbEndpointsList())
        .extracting(e -> e.getEndpoint().getAddress().getSocketAddress().getAddress(),
            e -> e.getEndpoint().getAddress().getSocketAddress().getPortValue(),
            e -> e.getLoadBalancingWeight().getValue())
        .containsExactly(tuple("10.0.0.1", 18080, 1), tuple("10.0.0.2", 8080, 5));
    assertThat(endpoints(resources, "outbound|9090|v2|" + SHOP).getEndpoints(0).getLbEndpointsList())
        .extracting(e -> e.getEndpoint().getAddress().getSocketAddress().getPortValue())
        .containsExactly(19090);
  }

  @Test
  @SuppressWarnings("deprecation") // total_weight is deprecated; we check it stays unset
  void weightZeroDestinationsAreDroppedAndOneLeftIsAPlainCluster() {
    XdsResources resources = translate("""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: cart, namespace: shop}
        spec:
          hosts: [cart]
          http:
          - match: [{headers: {x-canary: {exact: "1"}}}]
            route:
            - {destination: {host: cart, subset: v1, port: {number: 8080}}, weight: 0}
            - {destination: {host: cart, subset: v2, port: {number: 8080}}, weight: 7}
          - route:
            - {destination: {host: cart, subset: v1, port: {number: 8080}}, weight: 1}
            - {destination: {host: cart, subset: v2, port: {number: 8080}}, weight: 2}
            - {destination: {host: cart, port: {number: 8080}}, weight: 0}
        """);

    List<Route> routes = routes(resources, "outbound|8080||" + SHOP);
    assertThat(routes.get(0).getRoute().getCluster()).isEqualTo("outbound|8080|v2|" + SHOP);
    assertThat(routes.get(1).getRoute().getWeightedClusters().getClustersList())
        .extracting(ClusterWeight::getName, w -> w.getWeight().getValue())
        .containsExactly(tuple("outbound|8080|v1|" + SHOP, 1), tuple("outbound|8080|v2|" + SHOP, 2));
    assertThat(routes.get(1).getRoute().getWeightedClusters().hasTotalWeight()).isFalse();
  }

  @Test
  void allZeroWeightsAreAnError() {
    XdsResources resources = translate("""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: cart, namespace: shop}
        spec:
          hosts: [cart]
          http:
          - route:
            - destination: {host: cart, subset: v1}
            - destination: {host: cart, subset: v2}
        """);

    assertThat(errors(resources)).extracting(Diagnostic::file, Diagnostic::resource, Diagnostic::field)
        .containsExactly(tuple("10-config-0.yaml", "VirtualService shop/cart", "spec.http[0].route"));
  }

  @Test
  @SuppressWarnings("deprecation") // google_re2 is deprecated; we check istiod's explicit setting is kept
  void matchesBecomeOneRouteEachUntilTheFirstCatchAll() {
    XdsResources resources = translate("""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: cart, namespace: shop}
        spec:
          hosts: [cart.shop]
          http:
          - name: api
            match:
            - name: exact
              uri: {exact: /api/cart}
            - name: regex
              uri: {regex: "/api/v[0-9]+"}
              ignoreUriCase: true
            - uri: {prefix: /API}
              ignoreUriCase: true
              headers:
                x-b: {prefix: abc}
                x-a: {regex: "a+"}
                x-c: {}
            route:
            - destination: {host: cart, subset: v2, port: {number: 8080}}
          - name: grpc-only
            match: [{port: 9090}]
            route:
            - destination: {host: cart, subset: v2}
          - name: rest
            route:
            - destination: {host: cart, subset: v1}
          - name: unreachable
            route:
            - destination: {host: cart}
        """);

    assertThat(errors(resources)).isEmpty();
    List<Route> http = routes(resources, "outbound|8080||" + SHOP);
    assertThat(http).extracting(Route::getName).containsExactly("api.exact", "api.regex", "api", "rest");
    RouteMatch exact = http.get(0).getMatch();
    assertThat(exact.getPath()).isEqualTo("/api/cart");
    assertThat(exact.getCaseSensitive().getValue()).isTrue();
    RouteMatch regex = http.get(1).getMatch();
    assertThat(regex.getSafeRegex().getRegex()).isEqualTo("(?i)/api/v[0-9]+");
    assertThat(regex.getSafeRegex().hasGoogleRe2()).isTrue();
    assertThat(regex.getCaseSensitive().getValue()).isFalse();
    RouteMatch prefix = http.get(2).getMatch();
    assertThat(prefix.getPrefix()).isEqualTo("/API");
    assertThat(prefix.getCaseSensitive().getValue()).isFalse();
    assertThat(prefix.getHeadersList()).extracting(HeaderMatcher::getName).containsExactly("x-a", "x-b", "x-c");
    assertThat(prefix.getHeaders(0).getStringMatch().getSafeRegex().getRegex()).isEqualTo("a+");
    assertThat(prefix.getHeaders(1).getStringMatch().getPrefix()).isEqualTo("abc");
    assertThat(prefix.getHeaders(2).getPresentMatch()).isTrue();
    assertThat(http.get(3).getRoute().getCluster()).isEqualTo("outbound|8080|v1|" + SHOP);

    List<Route> grpc = routes(resources, "outbound|9090||" + SHOP);
    assertThat(grpc).extracting(Route::getName).containsExactly("api.exact", "api.regex", "api", "grpc-only");
    assertThat(grpc.get(0).getRoute().getCluster()).as("explicit destination port")
        .isEqualTo("outbound|8080|v2|" + SHOP);
    assertThat(grpc.get(3).getRoute().getCluster()).as("no destination port, several ports: the listener's")
        .isEqualTo("outbound|9090|v2|" + SHOP);
  }

  @Test
  void severalVirtualServicesForOneHostAreConcatenatedInFileOrder() {
    XdsResources resources = translate("""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: first, namespace: shop}
        spec:
          hosts: [cart]
          http:
          - match: [{uri: {prefix: /v2}}]
            route: [{destination: {host: cart, subset: v2}}]
        """, """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: second, namespace: shop}
        spec:
          hosts: [cart.shop.svc.cluster.local]
          http:
          - route: [{destination: {host: cart, subset: v1}}]
        """);

    assertThat(routes(resources, "outbound|8080||" + SHOP)).extracting(r -> r.getRoute().getCluster())
        .containsExactly("outbound|8080|v2|" + SHOP, "outbound|8080|v1|" + SHOP);
    assertThat(resources.diagnostics()).filteredOn(d -> d.resource().equals("VirtualService shop/second"))
        .singleElement().satisfies(d -> assertThat(d.message()).contains("VirtualService shop/first"));
  }

  @Test
  void unknownHostsAreWarningsAndUnknownSubsetsErrors() {
    XdsResources resources = translate("""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: ghosts, namespace: shop}
        spec:
          hosts: [ghost, cart]
          http:
          - route:
            - {destination: {host: payments.billing.svc.cluster.local, port: {number: 80}}, weight: 50}
            - {destination: {host: cart, port: {number: 7777}}, weight: 50}
          - route:
            - destination: {host: nowhere, subset: v1}
        """);

    assertThat(resources.diagnostics()).extracting(Diagnostic::severity, Diagnostic::field).containsExactly(
        tuple(Severity.WARNING, "spec.hosts[0]"),
        tuple(Severity.WARNING, "spec.http[0].route[0].destination.host"),
        tuple(Severity.WARNING, "spec.http[0].route[1].destination.port.number"),
        tuple(Severity.WARNING, "spec.http[1].route[0].destination.host"),
        tuple(Severity.ERROR, "spec.http[1].route[0].destination.subset"));
    assertThat(resources.listeners()).extracting(l -> l.getName()).containsExactly(SHOP + ":8080", SHOP + ":9090");
    assertThat(routes(resources, "outbound|8080||" + SHOP).get(0).getRoute().getWeightedClusters().getClustersList())
        .extracting(ClusterWeight::getName)
        .containsExactly("outbound|80||payments.billing.svc.cluster.local", "outbound|7777||" + SHOP);
  }

  @Test
  void onlyStaticAndDnsWithEndpointsAreTranslated() {
    XdsResources resources = translate("""
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: external}
        spec:
          hosts: [api.example.com]
          ports: [{number: 443, name: https}]
          resolution: DNS
          endpoints: [{address: backend.example.com, locality: eu/west-1}]
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: passthrough}
        spec:
          hosts: [other.example.com]
          ports: [{number: 80, name: http}]
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: external}
        spec:
          host: api.example.com
          trafficPolicy: {loadBalancer: {simple: PASSTHROUGH}}
        """);

    assertThat(resources.listeners()).extracting(l -> l.getName()).contains("api.example.com:443")
        .doesNotContain("other.example.com:80");
    assertThat(cluster(resources, "outbound|443||api.example.com").getLbPolicy())
        .isEqualTo(Cluster.LbPolicy.LEAST_REQUEST);
    assertThat(endpoints(resources, "outbound|443||api.example.com").getEndpoints(0).getLocality().getZone())
        .isEqualTo("west-1");
    assertThat(XdsAssertions.routeConfiguration(resources, "outbound|443||api.example.com")
        .getVirtualHosts(0).getDomainsList()).containsExactly("api.example.com", "api.example.com:443");
    assertThat(resources.diagnostics()).extracting(Diagnostic::resource, Diagnostic::field).contains(
        tuple("ServiceEntry default/passthrough", "spec.resolution"),
        tuple("DestinationRule default/external", "spec.trafficPolicy.loadBalancer.simple"));
    assertThat(errors(resources)).isEmpty();
  }

  @Test
  void garbageNeverThrows() {
    XdsResources resources = translate("""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: [not, a, name]}
        spec: 42
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: weird}
        spec:
          hosts: cart
          http: {route: nope}
        ---
        just a string
        """);

    assertThat(resources.hasErrors()).isTrue();
    assertThat(errors(resources)).allSatisfy(d -> assertThat(d.file()).isEqualTo("10-config-0.yaml"));
  }
}
