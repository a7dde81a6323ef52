package io.bowline.controlplane.server;

import static io.bowline.controlplane.server.AdsStream.CDS;
import static io.bowline.controlplane.server.AdsStream.LDS;
import static io.bowline.controlplane.server.AdsStream.RDS;
import static io.bowline.controlplane.server.AdsStream.SDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.bowline.controlplane.Diagnostic;
import io.bowline.controlplane.LocalControlPlane;
import io.bowline.controlplane.TestConfigs;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Gateways over a real ADS stream: a client whose node id is {@code router~...} (a gateway, as istiod tells it
 * from a sidecar) and whose labels a Gateway's {@code selector} matches receives that Gateway's listeners,
 * route configurations named as istiod names them, the virtual hosts of the VirtualServices bound to it, and
 * the SDS credentials its HTTPS servers name; sidecars never do.
 */
class GatewayAdsTest {

  private static final Map<String, String> INGRESS = Map.of("istio", "ingressgateway");
  private static final String PRODUCTPAGE = "outbound|9080||productpage.default.svc.cluster.local";

  @TempDir
  Path dir;

  @Test
  void istiosBookinfoGatewayServesProductpageOnHttp8080ToTheIngressGatewayOnly() throws Exception {
    Files.copy(TestConfigs.bookinfoServices(), dir.resolve("a-services.yaml"));
    Files.copy(TestConfigs.istioFixture("samples__bookinfo__networking__bookinfo-gateway.yaml"),
        dir.resolve("bookinfo-gateway.yaml"));
    try (LocalControlPlane controlPlane = LocalControlPlane.start(dir, 0)) {
      assertThat(controlPlane.diagnostics()).noneMatch(Diagnostic::isError);
      try (AdsStream gateway = AdsStream.router(controlPlane.port(), "istio-system", INGRESS)) {
        Listener listener = single(gateway.subscribe(LDS, List.of()), Listener.class);
        assertThat(listener.getName()).isEqualTo("0.0.0.0_8080");
        assertThat(listener.getAddress().getSocketAddress().getPortValue()).isEqualTo(8080);
        assertThat(connectionManager(listener.getFilterChains(0)).getRds().getRouteConfigName()).isEqualTo("http.8080");

        RouteConfiguration routes = single(gateway.subscribe(RDS, List.of("http.8080")), RouteConfiguration.class);
        VirtualHost host = routes.getVirtualHosts(0);
        assertThat(host.getName()).isEqualTo("*:8080");
        assertThat(host.getDomainsList()).containsExactly("*");
        assertThat(host.getRoutesList()).extracting(route -> route.getMatch().getPath() + route.getMatch().getPrefix())
            .containsExactly("/productpage", "/static", "/login", "/logout", "/api/v1/products");
        assertThat(host.getRoutesList()).allSatisfy(route ->
            assertThat(route.getRoute().getCluster()).isEqualTo(PRODUCTPAGE));
        assertThat(AdsStream.unpack(gateway.subscribe(CDS, List.of()), Cluster.class))
            .extracting(Cluster::getName).contains(PRODUCTPAGE);
      }
      try (AdsStream egress = AdsStream.router(controlPlane.port(), "istio-system", Map.of("istio", "egressgateway"))) {
        assertThat(egress.subscribe(LDS, List.of()).getResourcesList()).isEmpty();
      }
      try (AdsStream sidecar = new AdsStream(controlPlane.port(), "default", Map.of("app", "productpage"))) {
        assertThat(AdsStream.unpack(sidecar.subscribe(LDS, List.of()), Listener.class)).extracting(Listener::getName)
            .doesNotContain("0.0.0.0_8080").contains("productpage.default.svc.cluster.local:9080");
      }
    }
  }

  @Test
  void aHostNoGatewayServerServesGetsNoVirtualHostAndAnUnboundServerGetsTheBlackhole() throws Exception {
    Files.copy(TestConfigs.bookinfoServices(), dir.resolve("a-services.yaml"));
    TestConfigs.write(dir, "gateway.yaml", gateway("bookinfo", """
        - port: {number: 80, name: http, protocol: HTTP}
          hosts: [bookinfo.example.com]
        - port: {number: 8081, name: http-admin, protocol: HTTP}
          hosts: [admin.example.com]
        """) + "---\n" + virtualService("bookinfo", "[bookinfo.example.com, other.example.com]", "[istio-system/bookinfo]"));
    try (LocalControlPlane controlPlane = LocalControlPlane.start(dir, 0);
        AdsStream gateway = AdsStream.router(controlPlane.port(), "istio-system", INGRESS)) {
      List<RouteConfiguration> routes =
          AdsStream.unpack(gateway.subscribe(RDS, List.of("http.80", "http.8081")), RouteConfiguration.class);
      assertThat(routes).extracting(RouteConfiguration::getName).containsExactlyInAnyOrder("http.80", "http.8081");
      RouteConfiguration http80 = routes.stream().filter(r -> r.getName().equals("http.80")).findFirst().orElseThrow();
      assertThat(http80.getVirtualHostsList()).singleElement().satisfies(host -> {
        assertThat(host.getName()).isEqualTo("bookinfo.example.com:80");
        assertThat(host.getDomainsList()).containsExactly("bookinfo.example.com");
      });
      RouteConfiguration http8081 = routes.stream().filter(r -> r.getName().equals("http.8081")).findFirst().orElseThrow();
      assertThat(http8081.getVirtualHostsList()).singleElement().satisfies(host -> {
        assertThat(host.getName()).isEqualTo("blackhole:8081");
        assertThat(host.getDomainsList()).containsExactly("*");
        assertThat(host.getRoutesList()).isEmpty();
      });
    }
  }

  @Test
  void httpsRedirectRequiresTlsAndANamespacedServerHostBindsOnlyThatNamespacesVirtualServices() throws Exception {
    Files.copy(TestConfigs.bookinfoServices(), dir.resolve("a-services.yaml"));
    TestConfigs.write(dir, "gateway.yaml", gateway("bookinfo", """
        - port: {number: 80, name: http, protocol: HTTP}
          hosts: ["default/*.example.com"]
          tls: {httpsRedirect: true}
        """) + "---\n" + virtualService("bookinfo", "[bookinfo.example.com]", "[istio-system/bookinfo]")
        + "---\n" + virtualService("elsewhere", "[shop.example.com]", "[istio-system/bookinfo]")
            .replace("namespace: default", "namespace: shop"));
    try (LocalControlPlane controlPlane = LocalControlPlane.start(dir, 0);
        AdsStream gateway = AdsStream.router(controlPlane.port(), "istio-system", INGRESS)) {
      RouteConfiguration routes = single(gateway.subscribe(RDS, List.of("http.80")), RouteConfiguration.class);
      assertThat(routes.getVirtualHostsList()).extracting(VirtualHost::getName)
          .containsExactly("*.example.com:80", "bookinfo.example.com:80");
      assertThat(routes.getVirtualHostsList()).allSatisfy(host ->
          assertThat(host.getRequireTls()).isEqualTo(VirtualHost.TlsRequirementType.ALL));
    }
  }

  @Test
  void httpsServersGetTheirOwnRouteConfigurationAndTheirCredentialsOverSdsWhichSidecarsNeverSee() throws Exception {
    Files.copy(TestConfigs.bookinfoServices(), dir.resolve("a-services.yaml"));
    String[] credential = selfSigned("bookinfo.example.com");
    TestConfigs.write(dir, "gateway.yaml", gateway("bookinfo", """
        - port: {number: 443, name: https, protocol: HTTPS}
          hosts: [bookinfo.example.com]
          tls: {mode: SIMPLE, credentialName: bookinfo-credential}
        - port: {number: 443, name: https-mtls, protocol: HTTPS}
          hosts: [mtls.example.com]
          tls: {mode: MUTUAL, credentialName: mtls-credential}
        """) + "---\n" + virtualService("bookinfo", "[bookinfo.example.com, mtls.example.com]", "[istio-system/bookinfo]")
        + "---\n" + secret("bookinfo-credential", credential, false)
        + "---\n" + secret("mtls-credential", credential, true));
    try (LocalControlPlane controlPlane = LocalControlPlane.start(dir, 0)) {
      assertThat(controlPlane.diagnostics()).noneMatch(Diagnostic::isError);
      try (AdsStream gateway = AdsStream.router(controlPlane.port(), "istio-system", INGRESS)) {
        Listener listener = single(gateway.subscribe(LDS, List.of()), Listener.class);
        assertThat(listener.getName()).isEqualTo("0.0.0.0_443");
        assertThat(listener.getFilterChainsList()).hasSize(2);
        FilterChain simple = listener.getFilterChains(0);
        assertThat(simple.getFilterChainMatch().getServerNamesList()).containsExactly("bookinfo.example.com");
        assertThat(connectionManager(simple).getRds().getRouteConfigName())
            .isEqualTo("https.443.https.bookinfo.istio-system");
        DownstreamTlsContext simpleTls = simple.getTransportSocket().getTypedConfig().unpack(DownstreamTlsContext.class);
        assertThat(simpleTls.getCommonTlsContext().getTlsCertificateSdsSecretConfigs(0).getName())
            .isEqualTo("kubernetes://bookinfo-credential");
        assertThat(simpleTls.getRequireClientCertificate().getValue()).isFalse();
        DownstreamTlsContext mutualTls =
            listener.getFilterChains(1).getTransportSocket().getTypedConfig().unpack(DownstreamTlsContext.class);
        assertThat(mutualTls.getRequireClientCertificate().getValue()).isTrue();
        assertThat(mutualTls.getCommonTlsContext().getCombinedValidationContext().getValidationContextSdsSecretConfig()
            .getName()).isEqualTo("kubernetes://mtls-credential-cacert");

        RouteConfiguration routes = single(gateway.subscribe(RDS, List.of("https.443.https.bookinfo.istio-system")),
            RouteConfiguration.class);
        assertThat(routes.getVirtualHostsList()).extracting(VirtualHost::getName)
            .containsExactly("bookinfo.example.com:443");

        List<Secret> secrets = AdsStream.unpack(gateway.subscribe(SDS, List.of("kubernetes://bookinfo-credential",
            "kubernetes://mtls-credential", "kubernetes://mtls-credential-cacert")), Secret.class);
        assertThat(secrets).extracting(Secret::getName).containsExactlyInAnyOrder("kubernetes://bookinfo-credential",
            "kubernetes://mtls-credential", "kubernetes://mtls-credential-cacert");
        Secret served = secrets.stream().filter(s -> s.getName().equals("kubernetes://bookinfo-credential"))
            .findFirst().orElseThrow();
        assertThat(served.getTlsCertificate().getCertificateChain().getInlineBytes().toStringUtf8())
            .isEqualTo(credential[0]);
      }
      try (AdsStream sidecar = new AdsStream(controlPlane.port(), "istio-system", INGRESS)) {
        sidecar.request(SDS, List.of("kubernetes://bookinfo-credential"), "", "");
        DiscoveryResponse response = sidecar.next(SDS);
        assertThat(response.getResourcesList()).isEmpty();
      }
    }
  }

  @Test
  void aPassthroughServerForwardsEachSniHostOfItsTlsRoutesUntouchedToTheDestination() throws Exception {
    Files.copy(TestConfigs.bookinfoServices(), dir.resolve("a-services.yaml"));
    TestConfigs.write(dir, "gateway.yaml", gateway("passthrough", """
        - port: {number: 443, name: tls, protocol: TLS}
          hosts: ["*.example.com"]
          tls: {mode: PASSTHROUGH}
        """) + "---\n" + """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: productpage-tls}
        spec:
          hosts: [productpage.example.com]
          gateways: [istio-system/passthrough]
          tls:
          - match: [{port: 443, sniHosts: [productpage.example.com]}]
            route: [{destination: {host: productpage, port: {number: 9080}}}]
          - match: [{sniHosts: [other.example.org]}]
            route: [{destination: {host: reviews, port: {number: 9080}}}]
        """);
    try (LocalControlPlane controlPlane = LocalControlPlane.start(dir, 0);
        AdsStream gateway = AdsStream.router(controlPlane.port(), "istio-system", INGRESS)) {
      assertThat(controlPlane.diagnostics()).noneMatch(Diagnostic::isError);
      Listener listener = single(gateway.subscribe(LDS, List.of()), Listener.class);
      assertThat(listener.getName()).isEqualTo("0.0.0.0_443");
      assertThat(listener.getListenerFiltersList()).extracting(filter -> filter.getName())
          .containsExactly("envoy.filters.listener.tls_inspector");
      assertThat(listener.getFilterChainsList()).singleElement().satisfies(chain -> {
        assertThat(chain.getFilterChainMatch().getServerNamesList()).containsExactly("productpage.example.com");
        assertThat(chain.hasTransportSocket()).as("not terminated").isFalse();
        assertThat(chain.getFilters(0).getTypedConfig().unpack(TcpProxy.class).getCluster()).isEqualTo(PRODUCTPAGE);
      });
    }
  }

  @Test
  void theEgressGatewayPatternRoutesSidecarsToTheEgressGatewayAndTheEgressGatewayToTheExternalHost()
      throws Exception {
    TestConfigs.write(dir, "egress.yaml", """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: external-api}
        spec:
          hosts: [api.external.example]
          location: MESH_EXTERNAL
          ports: [{number: 80, name: http, protocol: HTTP}]
          resolution: STATIC
          endpoints: [{address: 127.0.0.1}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: istio-egressgateway, namespace: istio-system}
        spec:
          selector: {istio: egressgateway}
          ports: [{name: http, port: 80, targetPort: 8080}]
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: egressgateway-1, namespace: istio-system}
        spec:
          address: 127.0.0.1
          labels: {istio: egressgateway}
        ---
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: {name: istio-egressgateway}
        spec:
          selector: {istio: egressgateway}
          servers:
          - port: {number: 80, name: http, protocol: HTTP}
            hosts: [api.external.example]
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: direct-external-through-egress-gateway}
        spec:
          hosts: [api.external.example]
          gateways: [istio-egressgateway, mesh]
          http:
          - match: [{gateways: [mesh], port: 80}]
            route: [{destination: {host: istio-egressgateway.istio-system.svc.cluster.local, port: {number: 80}}}]
          - match: [{gateways: [istio-egressgateway], port: 80}]
            route: [{destination: {host: api.external.example, port: {number: 80}}}]
        """);
    try (LocalControlPlane controlPlane = LocalControlPlane.start(dir, 0)) {
      assertThat(controlPlane.diagnostics()).noneMatch(Diagnostic::isError);
      try (AdsStream sidecar = new AdsStream(controlPlane.port(), "default", Map.of("app", "productpage"))) {
        RouteConfiguration routes = single(sidecar.subscribe(RDS, List.of("outbound|80||api.external.example")),
            RouteConfiguration.class);
        assertThat(routes.getVirtualHosts(0).getRoutesList()).singleElement().satisfies(route -> assertThat(
            route.getRoute().getCluster()).isEqualTo("outbound|80||istio-egressgateway.istio-system.svc.cluster.local"));
      }
      try (AdsStream egress = AdsStream.router(controlPlane.port(), "istio-system", Map.of("istio", "egressgateway"))) {
        RouteConfiguration routes = single(egress.subscribe(RDS, List.of("http.80")), RouteConfiguration.class);
        assertThat(routes.getVirtualHostsList()).singleElement().satisfies(host -> {
          assertThat(host.getName()).isEqualTo("api.external.example:80");
          assertThat(host.getRoutesList()).singleElement().satisfies(route ->
              assertThat(route.getRoute().getCluster()).isEqualTo("outbound|80||api.external.example"));
        });
        assertThat(AdsStream.unpack(egress.subscribe(CDS, List.of()), Cluster.class)).extracting(Cluster::getName)
            .contains("outbound|80||api.external.example");
      }
    }
  }

  private static <T extends com.google.protobuf.Message> T single(DiscoveryResponse response, Class<T> type)
      throws IOException {
    List<T> resources = AdsStream.unpack(response, type);
    assertThat(resources).hasSize(1);
    return resources.get(0);
  }

  private static HttpConnectionManager connectionManager(FilterChain chain) throws IOException {
    return chain.getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class);
  }

  private static String gateway(String name, String servers) {
    return """
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: {name: %s, namespace: istio-system}
        spec:
          selector: {istio: ingressgateway}
          servers:
        %s""".formatted(name, servers.indent(2));
  }

  private static String virtualService(String name, String hosts, String gateways) {
    return """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: %s, namespace: default}
        spec:
          hosts: %s
          gateways: %s
          http:
          - route: [{destination: {host: productpage.default.svc.cluster.local, port: {number: 9080}}}]
        """.formatted(name, hosts, gateways);
  }

  private static String secret(String name, String[] credential, boolean withCa) {
    Base64.Encoder base64 = Base64.getEncoder();
    return """
        apiVersion: v1
        kind: Secret
        metadata: {name: %s, namespace: istio-system}
        type: kubernetes.io/tls
        data:
          tls.crt: %s
          tls.key: %s
        """.formatted(name, base64.encodeToString(credential[0].getBytes(StandardCharsets.UTF_8)),
        base64.encodeToString(credential[1].getBytes(StandardCharsets.UTF_8)))
        + (withCa ? "  ca.crt: " + base64.encodeToString(credential[0].getBytes(StandardCharsets.UTF_8)) + "\n" : "");
  }

  /** A self-signed EC certificate and its key for {@code host}, made by openssl: {certificate PEM, key PEM}. */
  private String[] selfSigned(String host) throws IOException, InterruptedException {
    Path cert = dir.getParent().resolve(dir.getFileName() + "-cert.pem");
    Path key = dir.getParent().resolve(dir.getFileName() + "-key.pem");
    Process openssl;
    try {
      openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
          "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=" + host,
          "-addext", "subjectAltName=DNS:" + host, "-keyout", key.toString(), "-out", cert.toString())
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    } catch (IOException e) {
      assumeTrue(false, "openssl not available: " + e.getMessage());
      throw e;
    }
    assertThat(openssl.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(openssl.exitValue()).isZero();
    try {
      return new String[] {Files.readString(cert), Files.readString(key)};
    } finally {
      Files.deleteIfExists(cert);
      Files.deleteIfExists(key);
    }
  }
}
