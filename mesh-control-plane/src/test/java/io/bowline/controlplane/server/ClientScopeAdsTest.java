package io.bowline.controlplane.server;

import static io.bowline.controlplane.server.AdsStream.LDS;
import static io.bowline.controlplane.server.AdsStream.RDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.controlplane.Diagnostic;
import io.bowline.controlplane.LocalControlPlane;
import io.bowline.controlplane.TestConfigs;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-client scoping over a real ADS stream: {@code exportTo} of ServiceEntries and VirtualServices and the
 * Sidecar's {@code egress.hosts} decide which listeners, routes and clusters each client namespace receives.
 */
class ClientScopeAdsTest {

  private static final String RATINGS = "ratings.default.svc.cluster.local:9080";
  private static final String CART = "cart.shop.svc.cluster.local:8080";
  private static final String PAYMENTS = "payments.shop.svc.cluster.local:8080";
  private static final String LEDGER = "ledger.finance.svc.cluster.local:8080";
  private static final String BILLING = "api.billing.example.com:443";

  @TempDir
  Path dir;

  @BeforeEach
  void writeMesh() {
    TestConfigs.write(dir, "services.yaml", service("ratings", "default", 9080, null)
        + "---\n" + service("cart", "shop", 8080, "[\".\"]")
        + "---\n" + service("payments", "shop", 8080, "[\"*\"]")
        + "---\n" + service("ledger", "finance", 8080, "[shop]")
        + "---\n" + """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: billing, namespace: external}
        spec:
          hosts: [api.billing.example.com]
          ports: [{number: 443, name: http, protocol: HTTP}]
          resolution: STATIC
          endpoints: [{address: 10.9.9.9}]
        """);
    TestConfigs.write(dir, "sidecars.yaml", """
        apiVersion: networking.istio.io/v1
        kind: Sidecar
        metadata: {name: default, namespace: default}
        spec:
          egress:
          - hosts: ["./*", "shop/*", "*/*.example.com"]
        ---
        apiVersion: networking.istio.io/v1
        kind: Sidecar
        metadata: {name: default, namespace: istio-system}
        spec:
          egress:
          - hosts: ["./*", "finance/ledger.finance.svc.cluster.local"]
        ---
        apiVersion: networking.istio.io/v1
        kind: Sidecar
        metadata: {name: admin, namespace: shop}
        spec:
          workloadSelector: {labels: {app: admin}}
          egress:
          - hosts: ["*/*"]
        """);
    TestConfigs.write(dir, "routes.yaml", """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: ratings, namespace: default}
        spec:
          hosts: [ratings.default.svc.cluster.local]
          exportTo: ["."]
          http:
          - match: [{uri: {prefix: /only-default}}]
            route: [{destination: {host: ratings.default.svc.cluster.local}}]
          - route: [{destination: {host: ratings.default.svc.cluster.local}}]
        """);
  }

  @Test
  void eachNamespaceSeesWhatItsSidecarAllowsAndWhatIsExportedToIt() throws Exception {
    try (LocalControlPlane controlPlane = LocalControlPlane.start(dir, 0)) {
      assertThat(controlPlane.diagnostics()).noneMatch(Diagnostic::isError);
      assertThat(controlPlane.published().version()).isEqualTo("1");

      // default: "./*" gives ratings, "shop/*" gives payments (cart is exported to "." of shop only),
      // "*/*.example.com" gives billing; ledger is exported to shop only.
      assertThat(listeners(controlPlane, "default", Map.of())).containsExactlyInAnyOrder(RATINGS, PAYMENTS,
          BILLING);
      // shop, no Sidecar of its own: the root namespace's "./*" (its own namespace) and ledger by name.
      assertThat(listeners(controlPlane, "shop", Map.of("app", "web"))).containsExactlyInAnyOrder(CART, PAYMENTS,
          LEDGER);
      // shop's admin workload: its own Sidecar selects it, "*/*" shows everything exported to shop.
      assertThat(listeners(controlPlane, "shop", Map.of("app", "admin"))).containsExactlyInAnyOrder(RATINGS,
          CART, PAYMENTS, LEDGER, BILLING);
    }
  }

  @Test
  void aVirtualServiceExportedToItsOwnNamespaceRoutesOnlyThere() throws Exception {
    try (LocalControlPlane controlPlane = LocalControlPlane.start(dir, 0)) {
      String routeName = "outbound|9080||ratings.default.svc.cluster.local";
      assertThat(prefixes(controlPlane, "default", Map.of(), routeName)).contains("/only-default");
      assertThat(prefixes(controlPlane, "shop", Map.of("app", "admin"), routeName))
          .doesNotContain("/only-default");
    }
  }

  private static List<String> listeners(LocalControlPlane controlPlane, String namespace,
      Map<String, String> labels) throws Exception {
    try (AdsStream ads = new AdsStream(controlPlane.port(), namespace, labels)) {
      DiscoveryResponse lds = ads.subscribe(LDS, List.of());
      return AdsStream.unpack(lds, Listener.class).stream().map(Listener::getName).toList();
    }
  }

  private static List<String> prefixes(LocalControlPlane controlPlane, String namespace,
      Map<String, String> labels, String routeName) throws Exception {
    try (AdsStream ads = new AdsStream(controlPlane.port(), namespace, labels)) {
      DiscoveryResponse rds = ads.subscribe(RDS, List.of(routeName));
      return AdsStream.unpack(rds, RouteConfiguration.class).stream()
          .flatMap(route -> route.getVirtualHostsList().stream())
          .flatMap(host -> host.getRoutesList().stream())
          .map(route -> route.getMatch().getPrefix())
          .toList();
    }
  }

  private static String service(String name, String namespace, int port, String exportTo) {
    return """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: %1$s, namespace: %2$s}
        spec:
          hosts: [%1$s.%2$s.svc.cluster.local]
          ports: [{number: %3$d, name: http, protocol: HTTP}]
          resolution: STATIC
          endpoints: [{address: 10.0.0.1}]
        %4$s""".formatted(name, namespace, port, exportTo == null ? "" : "  exportTo: " + exportTo + "\n");
  }
}
