package io.bowline.controlplane.translate;

import static io.bowline.controlplane.translate.XdsAssertions.errors;
import static io.bowline.controlplane.translate.XdsAssertions.routes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.bowline.controlplane.TestConfigs;
import io.bowline.controlplane.istio.IstioConfigLoader;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption.HeaderAppendAction;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import io.envoyproxy.envoy.config.route.v3.RedirectAction.RedirectResponseCode;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster.ClusterWeight;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** VirtualService match conditions, local replies, rewrites and header operations → Envoy route fields. */
class VirtualServiceBreadthTest {

  private static final String HOST = "web.default.svc.cluster.local";
  private static final String ROUTES = "outbound|80||" + HOST;

  private static final String WEB = """
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata: {name: web}
      spec:
        hosts: [web]
        ports: [{number: 80, name: http, protocol: HTTP}]
        resolution: STATIC
        endpoints:
        - {address: 10.0.0.1, labels: {version: v1}}
        - {address: 10.0.0.2, labels: {version: v2}}
      ---
      apiVersion: networking.istio.io/v1
      kind: DestinationRule
      metadata: {name: web}
      spec:
        host: web
        subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
      """;

  @TempDir
  Path dir;

  private XdsResources translate(String virtualService, ClientView client) {
    TestConfigs.write(dir, "00-web.yaml", WEB);
    TestConfigs.write(dir, "10-vs.yaml", virtualService);
    return new XdsTranslator().translate(IstioConfigLoader.load(dir), client);
  }

  private XdsResources translate(String virtualService) {
    return translate(virtualService, ClientView.DEFAULT);
  }

  @Test
  void methodAuthoritySchemeWithoutHeadersAndQueryParamsBecomeMatchers() {
    XdsResources resources = translate("""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: web}
        spec:
          hosts: [web]
          http:
          - match:
            - method: {exact: POST}
              authority: {prefix: web}
              scheme: {exact: http}
              withoutHeaders: {x-debug: {}}
              queryParams: {page: {exact: "2"}, q: {regex: "a.*"}, flag: {}}
            route: [{destination: {host: web, subset: v2}}]
          - route: [{destination: {host: web, subset: v1}}]
        """);

    assertThat(errors(resources)).isEmpty();
    assertThat(resources.diagnostics()).isEmpty();
    Route first = routes(resources, ROUTES).get(0);
    assertThat(first.getMatch().getHeadersList()).extracting(
            HeaderMatcher::getName, h -> h.getStringMatch().getExact(), h -> h.getStringMatch().getPrefix(),
            HeaderMatcher::getInvertMatch, HeaderMatcher::getPresentMatch)
        .containsExactly(
            tuple(":method", "POST", "", false, false),
            tuple(":authority", "", "web", false, false),
            tuple(":scheme", "http", "", false, false),
            tuple("x-debug", "", "", true, true));
    assertThat(first.getMatch().getQueryParametersList()).extracting(
            QueryParameterMatcher::getName, q -> q.getStringMatch().getExact(),
            q -> q.getStringMatch().getSafeRegex().getRegex(), QueryParameterMatcher::getPresentMatch)
        .containsExactly(tuple("flag", "", "", true), tuple("page", "2", "", false), tuple("q", "", "a.*", false));
    assertThat(first.getRoute().getCluster()).isEqualTo("outbound|80|v2|" + HOST);
  }

  @Test
  void redirectAndDirectResponseAreLocalReplies() {
    XdsResources resources = translate("""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: web}
        spec:
          hosts: [web]
          http:
          - name: moved
            match: [{uri: {prefix: /old}}]
            redirect: {uri: /new, authority: other.example, port: 8443, scheme: https, redirectCode: 308}
          - name: teapot
            match: [{uri: {exact: /tea}}]
            directResponse: {status: 418, body: {string: "short and stout"}}
          - name: bytes
            match: [{uri: {exact: /bin}}]
            directResponse: {status: 200, body: {bytes: "AAEC"}}
          - route: [{destination: {host: web}}]
        """);

    assertThat(errors(resources)).isEmpty();
    List<Route> routes = routes(resources, ROUTES);
    assertThat(routes).extracting(Route::getName).containsExactly("moved", "teapot", "bytes", "");
    assertThat(routes.get(0).getRedirect().getPathRedirect()).isEqualTo("/new");
    assertThat(routes.get(0).getRedirect().getHostRedirect()).isEqualTo("other.example");
    assertThat(routes.get(0).getRedirect().getPortRedirect()).isEqualTo(8443);
    assertThat(routes.get(0).getRedirect().getSchemeRedirect()).isEqualTo("https");
    assertThat(routes.get(0).getRedirect().getResponseCode()).isEqualTo(RedirectResponseCode.PERMANENT_REDIRECT);
    assertThat(routes.get(1).getDirectResponse().getStatus()).isEqualTo(418);
    assertThat(routes.get(1).getDirectResponse().getBody().getInlineString()).isEqualTo("short and stout");
    assertThat(routes.get(2).getDirectResponse().getBody().getInlineBytes().toByteArray())
        .containsExactly(0, 1, 2);
  }

  @Test
  void rewritesGoOnTheRouteAction() {
    XdsResources resources = translate("""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: web}
        spec:
          hosts: [web]
          http:
          - match: [{uri: {prefix: /api/v1}}]
            rewrite: {uri: /v1, authority: api.internal}
            route: [{destination: {host: web}}]
          - rewrite: {uriRegexRewrite: {match: "^/service/([^/]+)(/.*)$", rewrite: "\\\\2/instance/\\\\1"}}
            route: [{destination: {host: web}}]
        """);

    assertThat(errors(resources)).isEmpty();
    List<Route> routes = routes(resources, ROUTES);
    assertThat(routes.get(0).getRoute().getPrefixRewrite()).isEqualTo("/v1");
    assertThat(routes.get(0).getRoute().getHostRewriteLiteral()).isEqualTo("api.internal");
    assertThat(routes.get(1).getRoute().getRegexRewrite().getPattern().getRegex())
        .isEqualTo("^/service/([^/]+)(/.*)$");
    assertThat(routes.get(1).getRoute().getRegexRewrite().getSubstitution()).isEqualTo("\\2/instance/\\1");
  }

  @Test
  void headerOperationsAtRouteAndDestinationLevel() {
    XdsResources resources = translate("""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: web}
        spec:
          hosts: [web]
          http:
          - headers:
              request: {set: {x-b: "2", x-a: "1"}, add: {x-c: "3"}, remove: [x-z, x-y]}
              response: {remove: [server]}
            route:
            - destination: {host: web, subset: v1}
              weight: 90
              headers: {response: {add: {x-version: v1}}}
            - destination: {host: web, subset: v2}
              weight: 10
        """);

    assertThat(errors(resources)).isEmpty();
    Route route = routes(resources, ROUTES).get(0);
    assertThat(route.getRequestHeadersToAddList()).extracting(
            h -> h.getHeader().getKey(), h -> h.getHeader().getValue(), HeaderValueOption::getAppendAction)
        .containsExactly(
            tuple("x-a", "1", HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD),
            tuple("x-b", "2", HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD),
            tuple("x-c", "3", HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD));
    assertThat(route.getRequestHeadersToRemoveList()).containsExactly("x-y", "x-z");
    assertThat(route.getResponseHeadersToRemoveList()).containsExactly("server");
    ClusterWeight v1 = route.getRoute().getWeightedClusters().getClusters(0);
    assertThat(v1.getResponseHeadersToAddList()).extracting(h -> h.getHeader().getKey())
        .containsExactly("x-version");
  }

  @Test
  void sourceLabelsAndSourceNamespaceAreEvaluatedPerClient() {
    String virtualService = """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: web}
        spec:
          hosts: [web]
          http:
          - match: [{sourceLabels: {app: reviews, version: v2}}]
            route: [{destination: {host: web, subset: v2}}]
          - match: [{sourceNamespace: ops}]
            route: [{destination: {host: web, subset: v2}}]
          - route: [{destination: {host: web, subset: v1}}]
        """;

    XdsResources reviewsV2 = translate(virtualService,
        new ClientView("default", Map.of("app", "reviews", "version", "v2", "extra", "x")));
    XdsResources ops = translate(virtualService, new ClientView("ops", Map.of()));
    XdsResources other = translate(virtualService, new ClientView("default", Map.of("app", "reviews")));

    // A match with only source conditions is a catch-all for the clients it applies to: nothing follows it.
    assertThat(routes(reviewsV2, ROUTES)).extracting(r -> r.getRoute().getCluster())
        .containsExactly("outbound|80|v2|" + HOST);
    assertThat(routes(ops, ROUTES)).extracting(r -> r.getRoute().getCluster())
        .containsExactly("outbound|80|v2|" + HOST);
    assertThat(routes(other, ROUTES)).extracting(r -> r.getRoute().getCluster())
        .containsExactly("outbound|80|v1|" + HOST);
  }

  @Test
  void aRuleWithRouteAndRedirectIsAnError() {
    XdsResources resources = translate("""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: web}
        spec:
          hosts: [web]
          http:
          - redirect: {uri: /x}
            route: [{destination: {host: web}}]
        """);

    assertThat(errors(resources)).extracting(d -> d.field()).containsExactly("spec.http[0].redirect");
  }
}
