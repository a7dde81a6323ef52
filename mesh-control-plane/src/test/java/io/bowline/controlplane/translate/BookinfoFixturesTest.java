package io.bowline.controlplane.translate;

import static io.bowline.controlplane.translate.XdsAssertions.cluster;
import static io.bowline.controlplane.translate.XdsAssertions.endpoints;
import static io.bowline.controlplane.translate.XdsAssertions.errors;
import static io.bowline.controlplane.translate.XdsAssertions.listener;
import static io.bowline.controlplane.translate.XdsAssertions.routeConfiguration;
import static io.bowline.controlplane.translate.XdsAssertions.routes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.google.protobuf.Duration;
import com.google.protobuf.InvalidProtocolBufferException;
import io.bowline.controlplane.Diagnostic;
import io.bowline.controlplane.TestConfigs;
import io.bowline.controlplane.istio.IstioConfigLoader;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster.ClusterWeight;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Translates Istio's own Bookinfo networking samples (shared fixtures, read in place) together with our
 * Bookinfo ServiceEntries, and pins the xDS istiod would generate for them.
 */
class BookinfoFixturesTest {

  private static final String REVIEWS = "reviews.default.svc.cluster.local";
  private static final String DR_ALL = "samples__bookinfo__networking__destination-rule-all.yaml";

  private static XdsResources translate(String... fixtures) {
    Set<Path> files = new LinkedHashSet<>();
    files.add(TestConfigs.bookinfoServices());
    for (String fixture : fixtures) {
      files.add(TestConfigs.istioFixture(fixture));
    }
    return new XdsTranslator().translate(IstioConfigLoader.loadFiles(List.copyOf(files)));
  }

  @TestFactory
  Stream<DynamicTest> everyBookinfoSampleTranslatesOrYieldsNamedDiagnostics() {
    return TestConfigs.bookinfoNetworkingFixtures().stream().map(fixture -> DynamicTest.dynamicTest(
        fixture.getFileName().toString(), () -> {
          XdsResources resources = translate(DR_ALL, fixture.getFileName().toString());

          assertThat(resources.diagnostics()).allSatisfy(diagnostic -> {
            assertThat(diagnostic.file()).isNotEmpty();
            assertThat(diagnostic.resource()).matches("\\w+ [\\w.-]+/[\\w.-]+");
            assertThat(diagnostic.field()).isNotEmpty();
            assertThat(diagnostic.message()).isNotEmpty();
          });
          assertThat(errors(resources)).isEmpty();
          // The egress sample adds DNS ServiceEntry listeners after the bookinfo services.
          assertThat(resources.listeners()).extracting(l -> l.getName()).startsWith(
              "productpage.default.svc.cluster.local:9080", "details.default.svc.cluster.local:9080",
              REVIEWS + ":9080", "ratings.default.svc.cluster.local:9080");
          assertThat(resources.endpoints()).extracting(ClusterLoadAssignment::getClusterName)
              .containsExactlyElementsOf(resources.clusters().stream()
                  .filter(c -> c.getType() == Cluster.DiscoveryType.EDS).map(Cluster::getName).toList());
        }));
  }

  @Test
  void destinationRuleAllAndAllV1RouteEveryServiceToItsV1Subset() throws InvalidProtocolBufferException {
    XdsResources resources = translate(DR_ALL, "samples__bookinfo__networking__virtual-service-all-v1.yaml");

    assertThat(errors(resources)).isEmpty();
    assertThat(resources.clusters()).extracting(Cluster::getName).contains(
        "outbound|9080||" + REVIEWS, "outbound|9080|v1|" + REVIEWS, "outbound|9080|v2|" + REVIEWS,
        "outbound|9080|v3|" + REVIEWS, "outbound|9080|v1|details.default.svc.cluster.local",
        "outbound|9080|v2-mysql-vm|ratings.default.svc.cluster.local");

    Cluster v1 = cluster(resources, "outbound|9080|v1|" + REVIEWS);
    assertThat(v1.getType()).isEqualTo(Cluster.DiscoveryType.EDS);
    assertThat(v1.getEdsClusterConfig().getServiceName()).isEqualTo("outbound|9080|v1|" + REVIEWS);
    assertThat(v1.getEdsClusterConfig().getEdsConfig().hasAds()).isTrue();
    assertThat(v1.getEdsClusterConfig().getEdsConfig().getResourceApiVersion()).isEqualTo(ApiVersion.V3);
    assertThat(v1.getLbPolicy()).isEqualTo(Cluster.LbPolicy.LEAST_REQUEST);
    assertThat(v1.getConnectTimeout()).isEqualTo(Duration.newBuilder().setSeconds(10).build());

    HttpConnectionManager manager = listener(resources, REVIEWS + ":9080").getApiListener().getApiListener()
        .unpack(HttpConnectionManager.class);
    assertThat(manager.getRds().getRouteConfigName()).isEqualTo("outbound|9080||" + REVIEWS);
    assertThat(manager.getRds().getConfigSource().hasAds()).isTrue();
    assertThat(manager.getHttpFiltersList()).extracting(f -> f.getName())
        .containsExactly("istio.metadata_exchange", "envoy.filters.http.fault", "envoy.filters.http.router");

    RouteConfiguration routeConfiguration = routeConfiguration(resources, "outbound|9080||" + REVIEWS);
    assertThat(routeConfiguration.getIgnorePortInHostMatching()).isTrue();
    assertThat(routeConfiguration.getVirtualHosts(0).getName()).isEqualTo(REVIEWS + ":9080");
    assertThat(routeConfiguration.getVirtualHosts(0).getDomainsList())
        .containsExactly(REVIEWS, "reviews.default.svc", "reviews.default", "reviews", REVIEWS + ":9080",
            "reviews.default.svc:9080", "reviews.default:9080", "reviews:9080");
    List<Route> routes = routes(resources, "outbound|9080||" + REVIEWS);
    assertThat(routes).hasSize(1);
    assertThat(routes.get(0).getMatch().getPrefix()).isEmpty();
    assertThat(routes.get(0).getMatch().getPathSpecifierCase()).isEqualTo(
        io.envoyproxy.envoy.config.route.v3.RouteMatch.PathSpecifierCase.PREFIX);
    assertThat(routes.get(0).getRoute().getCluster()).isEqualTo("outbound|9080|v1|" + REVIEWS);
    assertThat(routes.get(0).getRoute().getTimeout()).isEqualTo(Duration.getDefaultInstance());
    assertThat(routes.get(0).getRoute().hasTimeout()).isTrue();
  }

  @Test
  void endpointsComeFromWorkloadEntriesGroupedByLocalityAndFilteredBySubset() {
    XdsResources resources = translate(DR_ALL);

    ClusterLoadAssignment all = endpoints(resources, "outbound|9080||" + REVIEWS);
    assertThat(all.getEndpointsList()).extracting(l -> l.getLocality().getRegion(), l -> l.getLocality().getZone(),
            l -> l.getLocality().getSubZone(), l -> l.getLoadBalancingWeight().getValue(), l -> l.getPriority())
        .containsExactly(tuple("us-east", "zone-a", "", 4, 0), tuple("us-west", "zone-b", "rack-1", 1, 0));
    assertThat(all.getEndpoints(0).getLbEndpointsList())
        .extracting(e -> e.getEndpoint().getAddress().getSocketAddress().getPortValue(),
            e -> e.getLoadBalancingWeight().getValue())
        .containsExactly(tuple(19083, 1), tuple(19084, 3));
    LbEndpoint v3 = all.getEndpoints(1).getLbEndpoints(0);
    assertThat(v3.getEndpoint().getAddress().getSocketAddress().getAddress()).isEqualTo("127.0.0.1");
    assertThat(v3.getEndpoint().getAddress().getSocketAddress().getPortValue())
        .as("no named port: the ServiceEntry port's targetPort").isEqualTo(19090);
    assertThat(v3.getHealthStatus()).isEqualTo(io.envoyproxy.envoy.config.core.v3.HealthStatus.HEALTHY);

    assertThat(endpoints(resources, "outbound|9080|v2|" + REVIEWS).getEndpointsList())
        .flatExtracting(l -> l.getLbEndpointsList())
        .extracting(e -> e.getEndpoint().getAddress().getSocketAddress().getPortValue())
        .containsExactly(19084);
    assertThat(endpoints(resources, "outbound|9080|v2|details.default.svc.cluster.local").getEndpointsList())
        .as("no details v2 workload: an empty assignment").isEmpty();
  }

  @Test
  void withoutVirtualServiceTheDefaultRouteGoesToTheServiceCluster() {
    XdsResources resources = translate(DR_ALL);

    List<Route> routes = routes(resources, "outbound|9080||productpage.default.svc.cluster.local");
    assertThat(routes).singleElement().satisfies(route -> {
      assertThat(route.getName()).isEqualTo("default");
      assertThat(route.getMatch().getPrefix()).isEmpty();
      assertThat(route.getRoute().getCluster()).isEqualTo("outbound|9080||productpage.default.svc.cluster.local");
    });
  }

  @Test
  void reviewsTestV2SendsJasonToV2AndEveryoneElseToV1() {
    XdsResources resources = translate(DR_ALL, "samples__bookinfo__networking__virtual-service-reviews-test-v2.yaml");

    List<Route> routes = routes(resources, "outbound|9080||" + REVIEWS);
    assertThat(routes).hasSize(2);
    HeaderMatcher header = routes.get(0).getMatch().getHeaders(0);
    assertThat(header.getName()).isEqualTo("end-user");
    assertThat(header.getStringMatch().getExact()).isEqualTo("jason");
    assertThat(routes.get(0).getMatch().getCaseSensitive().getValue()).isTrue();
    assertThat(routes.get(0).getMatch().hasCaseSensitive()).isTrue();
    assertThat(routes.get(0).getRoute().getCluster()).isEqualTo("outbound|9080|v2|" + REVIEWS);
    assertThat(routes.get(1).getMatch().getHeadersList()).isEmpty();
    assertThat(routes.get(1).getRoute().getCluster()).isEqualTo("outbound|9080|v1|" + REVIEWS);
  }

  @Test
  void reviews50V3SplitsHalfAndHalf() {
    XdsResources resources = translate(DR_ALL, "samples__bookinfo__networking__virtual-service-reviews-50-v3.yaml");

    List<Route> routes = routes(resources, "outbound|9080||" + REVIEWS);
    assertThat(routes).hasSize(1);
    assertThat(routes.get(0).getRoute().getWeightedClusters().getClustersList())
        .extracting(ClusterWeight::getName, w -> w.getWeight().getValue())
        .containsExactly(tuple("outbound|9080|v1|" + REVIEWS, 50), tuple("outbound|9080|v3|" + REVIEWS, 50));
  }

  @Test
  void destinationRuleReviewsSetsRandomOnEveryReviewsCluster() {
    XdsResources resources = translate(DR_ALL, "samples__bookinfo__networking__destination-rule-reviews.yaml");

    assertThat(resources.clusters()).filteredOn(c -> c.getName().endsWith("|" + REVIEWS))
        .hasSize(4)
        .allSatisfy(c -> assertThat(c.getLbPolicy()).isEqualTo(Cluster.LbPolicy.RANDOM));
  }

  @Test
  void anUndefinedSubsetRejectsTheConfigurationNamingFileResourceAndField(@TempDir Path dir) {
    Path virtualService = TestConfigs.write(dir, "reviews-v9.yaml", """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: reviews
        spec:
          hosts: [reviews]
          http:
          - route:
            - destination: {host: reviews, subset: v1}
              weight: 90
            - destination: {host: reviews, subset: v9}
              weight: 10
        """);
    XdsResources resources = new XdsTranslator().translate(IstioConfigLoader.loadFiles(List.of(
        TestConfigs.bookinfoServices(), TestConfigs.istioFixture(DR_ALL), virtualService)));

    assertThat(resources.hasErrors()).isTrue();
    assertThat(errors(resources)).singleElement().satisfies(error -> {
      assertThat(error.file()).isEqualTo("reviews-v9.yaml");
      assertThat(error.resource()).isEqualTo("VirtualService default/reviews");
      assertThat(error.field()).isEqualTo("spec.http[0].route[1].destination.subset");
      assertThat(error.message()).contains("v9", REVIEWS);
      assertThat(error).hasToString("ERROR reviews-v9.yaml:11: VirtualService default/reviews: "
          + "spec.http[0].route[1].destination.subset: " + error.message());
    });
    assertThat(errors(resources)).extracting(Diagnostic::severity).containsOnly(Diagnostic.Severity.ERROR);
  }
}
