package io.bowline.controlplane.server;

import static io.bowline.controlplane.server.AdsStream.CDS;
import static io.bowline.controlplane.server.AdsStream.EDS;
import static io.bowline.controlplane.server.AdsStream.LDS;
import static io.bowline.controlplane.server.AdsStream.RDS;
import static io.bowline.controlplane.server.AdsStream.unpack;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bowline.controlplane.Diagnostic;
import io.bowline.controlplane.LocalControlPlane;
import io.bowline.controlplane.TestConfigs;
import io.bowline.controlplane.translate.ClientView;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real LocalControlPlane on loopback, a real ADS stream, real file changes. */
class LocalControlPlaneTest {

  private static final String REVIEWS = "reviews.default.svc.cluster.local";
  private static final String REVIEWS_ROUTES = "outbound|9080||" + REVIEWS;
  private static final String REVIEWS_V1 = "outbound|9080|v1|" + REVIEWS;
  private static final Duration WATCH_TIMEOUT = Duration.ofSeconds(10);

  @TempDir
  Path dir;

  @BeforeEach
  void writeBookinfo() throws IOException {
    Files.copy(TestConfigs.bookinfoServices(), dir.resolve("00-services.yaml"));
    TestConfigs.write(dir, "10-reviews-dr.yaml", TestConfigs.REVIEWS_SUBSETS);
    writeReviewsRoute("v1");
  }

  private void writeReviewsRoute(String subset) {
    TestConfigs.write(dir, "20-reviews-vs.yaml", """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: reviews}
        spec:
          hosts: [reviews]
          http:
          - route:
            - destination: {host: reviews, subset: %s}
        """.formatted(subset));
  }

  @Test
  void servesTheDirectoryOverAdsAndPushesChangesLiveKeepingTheLastGoodConfig() throws Exception {
    try (LocalControlPlane controlPlane = LocalControlPlane.start(dir, 0);
        AdsStream ads = new AdsStream(controlPlane.port())) {
      assertThat(controlPlane.port()).isPositive();
      assertThat(controlPlane.published().version()).isEqualTo("1");
      assertThat(controlPlane.published().files())
          .containsExactly("00-services.yaml", "10-reviews-dr.yaml", "20-reviews-vs.yaml");
      assertThat(controlPlane.diagnostics()).noneMatch(Diagnostic::isError);

      DiscoveryResponse lds = ads.subscribe(LDS, List.of());
      assertThat(lds.getVersionInfo()).isEqualTo("1");
      assertThat(unpack(lds, Listener.class)).extracting(Listener::getName).containsExactlyInAnyOrder(
          "productpage.default.svc.cluster.local:9080", "details.default.svc.cluster.local:9080",
          REVIEWS + ":9080", "ratings.default.svc.cluster.local:9080");
      ads.ack(lds, List.of());

      DiscoveryResponse cds = ads.subscribe(CDS, List.of());
      assertThat(unpack(cds, Cluster.class)).extracting(Cluster::getName)
          .contains(REVIEWS_V1, "outbound|9080|v2|" + REVIEWS, "outbound|9080||ratings.default.svc.cluster.local")
          .hasSize(6);
      ads.ack(cds, List.of());

      DiscoveryResponse rds = ads.subscribe(RDS, List.of(REVIEWS_ROUTES));
      assertThat(unpack(rds, RouteConfiguration.class)).singleElement().satisfies(routes -> {
        assertThat(routes.getName()).isEqualTo(REVIEWS_ROUTES);
        assertThat(routes.getVirtualHosts(0).getRoutes(0).getRoute().getCluster()).isEqualTo(REVIEWS_V1);
      });
      ads.ack(rds, List.of(REVIEWS_ROUTES));

      DiscoveryResponse eds = ads.subscribe(EDS, List.of(REVIEWS_V1));
      assertThat(unpack(eds, ClusterLoadAssignment.class)).singleElement().satisfies(assignment -> {
        assertThat(assignment.getClusterName()).isEqualTo(REVIEWS_V1);
        assertThat(assignment.getEndpoints(0).getLbEndpoints(0).getEndpoint().getAddress().getSocketAddress()
            .getPortValue()).isEqualTo(19083);
      });
      ads.ack(eds, List.of(REVIEWS_V1));

      writeReviewsRoute("v2");

      DiscoveryResponse pushed = ads.next(RDS);
      assertThat(pushed.getVersionInfo()).isEqualTo("2");
      assertThat(unpack(pushed, RouteConfiguration.class)).singleElement().satisfies(routes ->
          assertThat(routes.getVirtualHosts(0).getRoutes(0).getRoute().getCluster())
              .isEqualTo("outbound|9080|v2|" + REVIEWS));
      ads.ack(pushed, List.of(REVIEWS_ROUTES));
      // Only what changed is pushed: the listeners, clusters and endpoints keep version 1.
      assertThat(controlPlane.published().version()).isEqualTo("2");
      assertThat(List.of(LDS, CDS, EDS, RDS)).extracting(type -> controlPlane.servedVersion(ClientView.DEFAULT, type))
          .containsExactly("1", "1", "1", "2");

      TestConfigs.write(dir, "30-broken.yaml", "kind: VirtualService\nspec: [unclosed\n");

      await().atMost(WATCH_TIMEOUT).until(() -> controlPlane.diagnostics().stream().anyMatch(Diagnostic::isError));
      assertThat(controlPlane.diagnostics()).filteredOn(Diagnostic::isError).singleElement()
          .satisfies(error -> assertThat(error.file()).isEqualTo("30-broken.yaml"));
      assertThat(controlPlane.published().version()).isEqualTo("2");
      assertThat(controlPlane.published().files()).doesNotContain("30-broken.yaml");
      assertThat(controlPlane.reload()).isFalse();
      try (AdsStream late = new AdsStream(controlPlane.port())) {
        DiscoveryResponse served = late.subscribe(RDS, List.of(REVIEWS_ROUTES));
        assertThat(served.getVersionInfo()).isEqualTo("2");
        assertThat(unpack(served, RouteConfiguration.class).get(0).getVirtualHosts(0).getRoutes(0).getRoute()
            .getCluster()).isEqualTo("outbound|9080|v2|" + REVIEWS);
      }

      Files.delete(dir.resolve("30-broken.yaml"));

      await().atMost(WATCH_TIMEOUT).until(() -> controlPlane.published().version().equals("3"));
      assertThat(controlPlane.diagnostics()).noneMatch(Diagnostic::isError);
      // Version 3 has the same routes as version 2: nothing is pushed, the routes keep version 2.
      assertThat(controlPlane.servedVersion(ClientView.DEFAULT, RDS)).isEqualTo("2");
    }
  }

  @Test
  void requestsWithoutNodeAreAnsweredFromTheViewOfTheStreamsFirstRequest() throws Exception {
    Map<String, String> labels = Map.of("app", "productpage", "version", "v1");
    writeProductpageRoute("v2", "v1");
    try (LocalControlPlane controlPlane = LocalControlPlane.start(dir, 0);
        AdsStream productpage = new AdsStream(controlPlane.port(), "default", labels, true)) {
      DiscoveryResponse lds = productpage.subscribe(LDS, List.of());
      productpage.ack(lds, List.of());
      // The RDS subscription and the ACKs carry no node, as proxyless gRPC and Bowline's runtime send them.
      DiscoveryResponse rds = productpage.subscribe(RDS, List.of(REVIEWS_ROUTES));
      assertThat(firstCluster(rds)).isEqualTo("outbound|9080|v2|" + REVIEWS);
      productpage.ack(rds, List.of(REVIEWS_ROUTES));

      writeProductpageRoute("v1", "v2");

      DiscoveryResponse pushed = productpage.next(RDS);
      assertThat(firstCluster(pushed)).isEqualTo(REVIEWS_V1);
      assertThat(controlPlane.servedPublish(new ClientView("default", labels)))
          .isEqualTo(controlPlane.published().version()).isEqualTo(pushed.getVersionInfo());
    }
  }

  @Test
  void aPublishIsRecordedFirstAndThenServedToTheViewsOneAfterTheOther() throws Exception {
    ClientView productpage = new ClientView("default", Map.of("app", "productpage"));
    ClientView ratings = new ClientView("default", Map.of("app", "ratings"));
    AtomicReference<LocalControlPlane> started = new AtomicReference<>();
    List<String> duringPublish2 = new CopyOnWriteArrayList<>();
    try (LocalControlPlane controlPlane = LocalControlPlane.builder(dir).port(0)
        .onViewServed((view, publish) -> {
          LocalControlPlane cp = started.get();
          if (cp != null && publish.equals("2")) {
            duringPublish2.add("published " + cp.published().version() + ", productpage served "
                + cp.servedPublish(productpage) + ", ratings served " + cp.servedPublish(ratings));
          }
        })
        .start();
        AdsStream first = new AdsStream(controlPlane.port(), "default", productpage.labels());
        AdsStream second = new AdsStream(controlPlane.port(), "default", ratings.labels())) {
      started.set(controlPlane);
      first.subscribe(LDS, List.of());
      second.subscribe(LDS, List.of());
      assertThat(controlPlane.servedPublish(productpage)).isEqualTo("1");
      assertThat(controlPlane.servedPublish(ClientView.DEFAULT)).isEmpty();

      writeReviewsRoute("v2");

      await().atMost(WATCH_TIMEOUT).until(() -> duringPublish2.size() == 2);
      // Whichever view is served first, the other still has publish 1 while published() already says 2.
      assertThat(duringPublish2).containsAnyOf(
          "published 2, productpage served 2, ratings served 1", "published 2, productpage served 1, ratings served 2");
      assertThat(duringPublish2.get(1)).isEqualTo("published 2, productpage served 2, ratings served 2");
    }
  }

  private void writeProductpageRoute(String productpageSubset, String otherSubset) {
    TestConfigs.write(dir, "20-reviews-vs.yaml", """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: reviews}
        spec:
          hosts: [reviews]
          http:
          - match: [{sourceLabels: {app: productpage}}]
            route: [{destination: {host: reviews, subset: %s}}]
          - route: [{destination: {host: reviews, subset: %s}}]
        """.formatted(productpageSubset, otherSubset));
  }

  private static String firstCluster(DiscoveryResponse rds) throws Exception {
    return unpack(rds, RouteConfiguration.class).get(0).getVirtualHosts(0).getRoutes(0).getRoute().getCluster();
  }

  @Test
  void aResourceDroppedAndRequestedAgainUnderTheSameVersionIsSentAgain() throws Exception {
    try (LocalControlPlane controlPlane = LocalControlPlane.start(dir, 0);
        AdsStream ads = new AdsStream(controlPlane.port())) {
      // What grpc-java does when a route switches from v1 to v2 and back: add v2, drop v1, add v1 again.
      String v2 = "outbound|9080|v2|" + REVIEWS;
      DiscoveryResponse first = ads.subscribe(CDS, List.of(REVIEWS_V1));
      ads.ack(first, List.of(REVIEWS_V1));
      ads.request(CDS, List.of(REVIEWS_V1, v2), first.getVersionInfo(), first.getNonce());
      DiscoveryResponse second = ads.next(CDS);
      assertThat(unpack(second, Cluster.class)).extracting(Cluster::getName).containsExactlyInAnyOrder(REVIEWS_V1, v2);
      ads.ack(second, List.of(REVIEWS_V1, v2));
      ads.request(CDS, List.of(v2), second.getVersionInfo(), second.getNonce());

      ads.request(CDS, List.of(REVIEWS_V1, v2), second.getVersionInfo(), second.getNonce());

      assertThat(unpack(ads.next(CDS), Cluster.class)).extracting(Cluster::getName)
          .containsExactlyInAnyOrder(REVIEWS_V1, v2);
    }
  }

  @Test
  void workloadsRegisteredFromJavaArePushedOverEdsAndRemovedAgain() throws Exception {
    String productpage = "outbound|9080||productpage.default.svc.cluster.local";
    try (LocalControlPlane controlPlane = LocalControlPlane.start(dir, 0);
        AdsStream ads = new AdsStream(controlPlane.port())) {
      DiscoveryResponse before = ads.subscribe(EDS, List.of(productpage));
      ads.ack(before, List.of(productpage));
      int endpointsBefore = endpointCount(unpack(before, ClusterLoadAssignment.class).get(0));

      controlPlane.registry().register("default", "productpage-extra", "127.0.0.9", Map.of("http", 29080),
          Map.of("app", "productpage", "version", "v1"));

      DiscoveryResponse added = ads.next(EDS);
      ClusterLoadAssignment assignment = unpack(added, ClusterLoadAssignment.class).get(0);
      assertThat(endpointCount(assignment)).isEqualTo(endpointsBefore + 1);
      assertThat(assignment.getEndpointsList()).flatExtracting(l -> l.getLbEndpointsList())
          .extracting(e -> e.getEndpoint().getAddress().getSocketAddress().getAddress() + ":"
              + e.getEndpoint().getAddress().getSocketAddress().getPortValue())
          .contains("127.0.0.9:29080");
      assertThat(controlPlane.servedVersion(ClientView.DEFAULT, LDS)).isEqualTo("1");
      ads.ack(added, List.of(productpage));

      assertThat(controlPlane.registry().deregister("default", "productpage-extra")).isTrue();

      assertThat(endpointCount(unpack(ads.next(EDS), ClusterLoadAssignment.class).get(0)))
          .isEqualTo(endpointsBefore);
    }
  }

  private static int endpointCount(ClusterLoadAssignment assignment) {
    return assignment.getEndpointsList().stream().mapToInt(l -> l.getLbEndpointsCount()).sum();
  }

  @Test
  void namedRequestsAreAnsweredWithTheResourcesThatExist() throws Exception {
    try (LocalControlPlane controlPlane = LocalControlPlane.start(dir, 0);
        AdsStream ads = new AdsStream(controlPlane.port())) {
      DiscoveryResponse rds = ads.subscribe(RDS, List.of("outbound|9080||unknown.example.com", REVIEWS_ROUTES));

      assertThat(unpack(rds, RouteConfiguration.class)).extracting(RouteConfiguration::getName)
          .containsExactly(REVIEWS_ROUTES);
    }
  }

  @Test
  void aBrokenInitialConfigurationServesEmptyVersionZeroUntilFixed() throws Exception {
    TestConfigs.write(dir, "20-reviews-vs.yaml", """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: reviews}
        spec:
          hosts: [reviews]
          http:
          - route:
            - destination: {host: reviews, subset: v9}
        """);
    try (LocalControlPlane controlPlane = LocalControlPlane.start(dir, 0);
        AdsStream ads = new AdsStream(controlPlane.port())) {
      assertThat(controlPlane.published().version()).isEqualTo("0");
      assertThat(controlPlane.published().files()).isEmpty();
      assertThat(controlPlane.diagnostics()).filteredOn(Diagnostic::isError).singleElement().hasToString(
          "ERROR 20-reviews-vs.yaml:8: VirtualService default/reviews: spec.http[0].route[0].destination.subset: "
              + "subset v9 is not defined by any DestinationRule for host " + REVIEWS);
      DiscoveryResponse empty = ads.subscribe(LDS, List.of());
      assertThat(empty.getVersionInfo()).isEqualTo("0");
      assertThat(empty.getResourcesList()).isEmpty();
      ads.ack(empty, List.of());

      writeReviewsRoute("v1");

      DiscoveryResponse fixed = ads.next(LDS);
      assertThat(fixed.getVersionInfo()).isEqualTo("1");
      assertThat(fixed.getResourcesCount()).isEqualTo(4);
    }
  }

  @Test
  void aMissingDirectoryFailsToStart() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> LocalControlPlane.start(dir.resolve("absent"), 0))
        .isInstanceOf(java.nio.file.NoSuchFileException.class);
  }
}
