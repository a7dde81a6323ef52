package io.bowline.controlplane.translate;

import static io.bowline.controlplane.translate.XdsAssertions.cluster;
import static io.bowline.controlplane.translate.XdsAssertions.errors;
import static io.bowline.controlplane.translate.XdsAssertions.listener;
import static io.bowline.controlplane.translate.XdsAssertions.routeConfiguration;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.udpa.udpa.type.v1.TypedStruct;
import io.bowline.controlplane.Diagnostic;
import io.bowline.controlplane.IstioRateLimitTask;
import io.bowline.controlplane.TestConfigs;
import io.bowline.controlplane.istio.IstioConfigLoader;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.ratelimit.v3.RateLimit;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The EnvoyFilters of Istio's task "Enabling Rate Limits using Envoy" (local: an {@code HTTP_FILTER} of
 * {@code local_ratelimit} as a {@code TypedStruct} and an {@code HTTP_ROUTE} merge of per-route buckets; global:
 * an {@code HTTP_FILTER} of {@code ratelimit}, the rate limit service's {@code CLUSTER} and a
 * {@code VIRTUAL_HOST} merge of {@code rate_limits}) → the xDS a sidecar client ({@code SIDECAR_OUTBOUND}) and a
 * gateway ({@code GATEWAY}) receive, with Istio's workloadSelector and namespace scoping.
 */
class EnvoyFilterTranslationTest {
  private static final String LISTENER = "reviews.default.svc.cluster.local:9080";
  private static final String ROUTES = "outbound|9080||reviews.default.svc.cluster.local";
  private static final ClientView PRODUCTPAGE = ClientView.sidecar("default", Map.of("app", "productpage"), "", true);
  private static final ClientView RATINGS = ClientView.sidecar("default", Map.of("app", "ratings"), "", true);
  private static final ClientView SHOP = ClientView.sidecar("shop", Map.of("app", "productpage"), "", true);
  private static final ClientView INGRESS = ClientView.router("istio-system", Map.of("istio", "ingressgateway"));

  private static final String GATEWAY = """
      apiVersion: networking.istio.io/v1
      kind: Gateway
      metadata: {name: bookinfo-gateway, namespace: default}
      spec:
        selector: {istio: ingressgateway}
        servers:
        - port: {number: 8080, name: http, protocol: HTTP}
          hosts: ["*"]
      ---
      apiVersion: networking.istio.io/v1
      kind: VirtualService
      metadata: {name: bookinfo, namespace: default}
      spec:
        hosts: ["*"]
        gateways: [bookinfo-gateway]
        http:
        - route: [{destination: {host: productpage.default.svc.cluster.local, port: {number: 9080}}}]
      """;

  @TempDir
  Path dir;

  @BeforeEach
  void services() throws Exception {
    Files.copy(TestConfigs.bookinfoServices(), dir.resolve("00-services.yaml"));
  }

  private XdsResources translate(ClientView client) {
    XdsResources resources = new XdsTranslator().translate(IstioConfigLoader.load(dir), client);
    assertThat(errors(resources)).isEmpty();
    return resources;
  }

  private static HttpConnectionManager apiHcm(Listener listener) throws Exception {
    return listener.getApiListener().getApiListener().unpack(HttpConnectionManager.class);
  }

  private static List<String> names(HttpConnectionManager hcm) {
    return hcm.getHttpFiltersList().stream().map(HttpFilter::getName).toList();
  }

  @Test
  void localRateLimitIsInsertedBeforeTheRouterOfTheSelectedClientsOutboundListenersWithItsPerRouteBucket()
      throws Exception {
    TestConfigs.write(dir, "10-local.yaml", IstioRateLimitTask.LOCAL.formatted("istio-system", 100, 100, LISTENER, 4, 4));
    XdsResources resources = translate(PRODUCTPAGE);

    HttpConnectionManager hcm = apiHcm(listener(resources, LISTENER));
    assertThat(names(hcm)).endsWith("envoy.filters.http.local_ratelimit", "envoy.filters.http.router");
    TypedStruct filter = hcm.getHttpFilters(names(hcm).indexOf("envoy.filters.http.local_ratelimit"))
        .getTypedConfig().unpack(TypedStruct.class);
    assertThat(filter.getTypeUrl())
        .isEqualTo("type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit");
    assertThat(filter.getValue().getFieldsOrThrow("token_bucket").getStructValue().getFieldsOrThrow("max_tokens")
        .getNumberValue()).isEqualTo(100);

    RouteConfiguration routes = routeConfiguration(resources, ROUTES);
    VirtualHost host = routes.getVirtualHosts(0);
    assertThat(host.getName()).isEqualTo(LISTENER);
    assertThat(host.getRoutesList()).allSatisfy(route -> assertThat(route.getTypedPerFilterConfigOrThrow(
        "envoy.filters.http.local_ratelimit").unpack(TypedStruct.class).getValue().getFieldsOrThrow("token_bucket")
        .getStructValue().getFieldsOrThrow("max_tokens").getNumberValue()).isEqualTo(4));
    assertThat(routeConfiguration(resources, "outbound|9080||ratings.default.svc.cluster.local").getVirtualHosts(0)
        .getRoutes(0).getTypedPerFilterConfigMap()).as("vhost.name matches one virtual host").isEmpty();
    assertThat(names(apiHcm(listener(resources, "ratings.default.svc.cluster.local:9080"))))
        .contains("envoy.filters.http.local_ratelimit");
  }

  @Test
  void workloadSelectorAndNamespaceScopeAsIstio() throws Exception {
    TestConfigs.write(dir, "10-local.yaml", IstioRateLimitTask.LOCAL.formatted("default", 100, 100, LISTENER, 4, 4));
    assertThat(names(apiHcm(listener(translate(PRODUCTPAGE), LISTENER))))
        .contains("envoy.filters.http.local_ratelimit");
    assertThat(names(apiHcm(listener(translate(RATINGS), LISTENER)))).as("selector does not match")
        .doesNotContain("envoy.filters.http.local_ratelimit");
    assertThat(names(apiHcm(listener(translate(SHOP), LISTENER)))).as("another namespace's filter")
        .doesNotContain("envoy.filters.http.local_ratelimit");

    TestConfigs.write(dir, "10-local.yaml", IstioRateLimitTask.LOCAL.formatted("istio-system", 100, 100, LISTENER, 4, 4));
    assertThat(names(apiHcm(listener(translate(SHOP), LISTENER)))).as("root namespace: every namespace")
        .contains("envoy.filters.http.local_ratelimit");
  }

  @Test
  void sidecarOutboundPatchesLeaveGatewaysAloneAndGatewayPatchesLeaveSidecarsAlone() throws Exception {
    TestConfigs.write(dir, "05-gateway.yaml", GATEWAY);
    TestConfigs.write(dir, "10-global.yaml", IstioRateLimitTask.GLOBAL.formatted("GATEWAY", "127.0.0.1", 8081));
    XdsResources sidecar = translate(ClientView.sidecar("default", Map.of("istio", "ingressgateway"), "", true));
    assertThat(names(apiHcm(listener(sidecar, LISTENER)))).doesNotContain("envoy.filters.http.ratelimit");
    assertThat(sidecar.routeConfigurations()).allSatisfy(r -> assertThat(r.getVirtualHostsList())
        .allSatisfy(h -> assertThat(h.getRateLimitsList()).isEmpty()));
    assertThat(sidecar.clusters()).as("CLUSTER without context: ANY").extracting(Cluster::getName)
        .contains("rate_limit_cluster");
  }

  @Test
  void globalRateLimitGoesIntoTheGatewaysConnectionManagersWithItsClusterAndVirtualHostActions()
      throws Exception {
    TestConfigs.write(dir, "05-gateway.yaml", GATEWAY);
    TestConfigs.write(dir, "10-global.yaml", IstioRateLimitTask.GLOBAL.formatted("GATEWAY", "127.0.0.1", 8081));
    XdsResources resources = translate(INGRESS);

    Listener listener = resources.listeners().stream().filter(l -> !l.hasApiListener()).findFirst().orElseThrow();
    HttpConnectionManager hcm = listener.getFilterChains(0).getFilters(0).getTypedConfig()
        .unpack(HttpConnectionManager.class);
    assertThat(names(hcm)).endsWith("envoy.filters.http.ratelimit", "envoy.filters.http.router");
    RateLimit rateLimit = hcm.getHttpFilters(names(hcm).indexOf("envoy.filters.http.ratelimit")).getTypedConfig()
        .unpack(RateLimit.class);
    assertThat(rateLimit.getDomain()).isEqualTo("ratelimit");
    assertThat(rateLimit.getFailureModeDeny()).isTrue();
    assertThat(rateLimit.getRateLimitService().getGrpcService().getEnvoyGrpc().getClusterName())
        .isEqualTo("rate_limit_cluster");

    Cluster rls = cluster(resources, "rate_limit_cluster");
    assertThat(rls.getType()).isEqualTo(Cluster.DiscoveryType.STATIC);
    assertThat(rls.getLoadAssignment().getEndpoints(0).getLbEndpoints(0).getEndpoint().getAddress()
        .getSocketAddress().getPortValue()).isEqualTo(8081);

    assertThat(resources.routeConfigurations()).isNotEmpty().allSatisfy(r -> assertThat(r.getVirtualHostsList())
        .allSatisfy(h -> assertThat(h.getRateLimitsList()).singleElement().satisfies(limit -> assertThat(
            limit.getActions(0).getRequestHeaders().getDescriptorKey()).isEqualTo("PATH"))));
  }

  @Test
  void aPatchItCannotApplyIsReportedByNameAndTheOthersStillApply() throws Exception {
    TestConfigs.write(dir, "10-local.yaml", IstioRateLimitTask.LOCAL.formatted("istio-system", 100, 100, LISTENER, 4, 4)
        .replaceFirst("context: SIDECAR_OUTBOUND", "context: SIDECAR_INBOUND"));
    XdsResources resources = translate(PRODUCTPAGE);
    assertThat(resources.diagnostics()).extracting(Diagnostic::message).contains("EnvoyFilter patch HTTP_FILTER "
        + "INSERT_BEFORE envoy.filters.http.local_ratelimit (context SIDECAR_INBOUND) is not applied by the local "
        + "control plane; ignored");
    assertThat(names(apiHcm(listener(resources, LISTENER)))).doesNotContain("envoy.filters.http.local_ratelimit");
    assertThat(routeConfiguration(resources, ROUTES).getVirtualHosts(0).getRoutes(0).getTypedPerFilterConfigMap())
        .containsKey("envoy.filters.http.local_ratelimit");
  }

  @Test
  void aValueThatIsNotValidXdsIsReportedAndNotApplied() throws Exception {
    TestConfigs.write(dir, "10-local.yaml", IstioRateLimitTask.LOCAL.formatted("istio-system", 100, 100, LISTENER, 4, 4)
        .replace("typed_per_filter_config:", "typed_per_filter_confg:"));
    XdsResources resources = translate(PRODUCTPAGE);
    assertThat(resources.diagnostics()).extracting(Diagnostic::message).anySatisfy(m -> assertThat(m)
        .startsWith("EnvoyFilter patch HTTP_ROUTE MERGE of typed_per_filter_confg (context SIDECAR_OUTBOUND) has no "
            + "valid Route value").endsWith("; ignored"));
    assertThat(routeConfiguration(resources, ROUTES).getVirtualHosts(0).getRoutes(0).getTypedPerFilterConfigMap())
        .isEmpty();
  }

  @Test
  void aMatchOnAFieldItDoesNotEvaluateIsReportedRatherThanAppliedWider() throws Exception {
    TestConfigs.write(dir, "10-local.yaml", IstioRateLimitTask.LOCAL.formatted("istio-system", 100, 100, LISTENER, 4, 4)
        .replace("routeConfiguration:\n", "routeConfiguration:\n          portNumber: 9080\n"));
    XdsResources resources = translate(PRODUCTPAGE);
    assertThat(resources.diagnostics()).extracting(Diagnostic::message).contains("EnvoyFilter patch HTTP_ROUTE MERGE "
        + "of typed_per_filter_config (context SIDECAR_OUTBOUND) matches on "
        + "spec.configPatches[1].match.routeConfiguration.portNumber, which the local control plane does not "
        + "evaluate; ignored");
    assertThat(routeConfiguration(resources, ROUTES).getVirtualHosts(0).getRoutes(0).getTypedPerFilterConfigMap())
        .isEmpty();
    assertThat(names(apiHcm(listener(resources, LISTENER)))).as("the other patch applies")
        .contains("envoy.filters.http.local_ratelimit");
  }
}
