package io.bowline.controlplane.translate;

import static io.bowline.controlplane.translate.XdsAssertions.errors;
import static io.bowline.controlplane.translate.XdsAssertions.listener;
import static io.bowline.controlplane.translate.XdsAssertions.routes;
import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.controlplane.Diagnostic;
import io.bowline.controlplane.TestConfigs;
import io.bowline.controlplane.istio.IstioConfigLoader;
import io.envoyproxy.envoy.config.route.v3.FilterConfig;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.extensions.filters.http.cors.v3.CorsPolicy;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** VirtualService {@code corsPolicy} → Envoy's per-route CorsPolicy and the cors filter, as istiod writes them. */
class CorsTranslationTest {
  private static final String RATINGS = "outbound|9080||ratings.default.svc.cluster.local";

  @TempDir
  Path dir;

  private XdsResources translate(String vs) {
    Path file = TestConfigs.write(dir, "vs.yaml", vs);
    return new XdsTranslator().translate(IstioConfigLoader.loadFiles(List.of(TestConfigs.bookinfoServices(), file)));
  }

  private static CorsPolicy cors(Route route) throws IOException {
    FilterConfig config = route.getTypedPerFilterConfigOrThrow("envoy.filters.http.cors").unpack(FilterConfig.class);
    assertThat(config.getIsOptional()).isTrue();
    return config.getConfig().unpack(CorsPolicy.class);
  }

  @Test
  void corsPolicyIsWrittenOnTheRulesRoutesAndTheCorsFilterComesFirst() throws IOException {
    XdsResources resources = translate("""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: ratings}
        spec:
          hosts: [ratings]
          http:
          - match: [{uri: {prefix: /api}}]
            route: [{destination: {host: ratings}}]
            corsPolicy:
              allowOrigins: [{exact: "https://example.com"}, {regex: "https://.*\\\\.example\\\\.org"}]
              allowMethods: [POST, GET]
              allowCredentials: false
              allowHeaders: [X-Foo-Bar, X-Bar]
              exposeHeaders: [X-Expose]
              maxAge: 24h
          - route: [{destination: {host: ratings}}]
        """);
    assertThat(errors(resources)).isEmpty();
    List<Route> routes = routes(resources, RATINGS);
    CorsPolicy cors = cors(routes.get(0));
    assertThat(cors.getAllowOriginStringMatchList()).containsExactly(
        StringMatcher.newBuilder().setExact("https://example.com").build(), RbacMatchers.regex("https://.*\\.example\\.org"));
    assertThat(cors.getAllowMethods()).isEqualTo("POST,GET");
    assertThat(cors.getAllowHeaders()).isEqualTo("X-Foo-Bar,X-Bar");
    assertThat(cors.getExposeHeaders()).isEqualTo("X-Expose");
    assertThat(cors.getMaxAge()).isEqualTo("86400");
    assertThat(cors.hasAllowCredentials()).isTrue();
    assertThat(cors.getAllowCredentials().getValue()).isFalse();
    assertThat(cors.getForwardNotMatchingPreflights().getValue()).isTrue();
    assertThat(cors.getFilterEnabled().getDefaultValue().getNumerator()).isEqualTo(100);
    assertThat(routes.get(1).getTypedPerFilterConfigMap()).doesNotContainKey("envoy.filters.http.cors");

    HttpConnectionManager hcm = listener(resources, "ratings.default.svc.cluster.local:9080")
        .getApiListener().getApiListener().unpack(HttpConnectionManager.class);
    assertThat(hcm.getHttpFiltersList()).extracting(HttpFilter::getName)
        .containsExactly("envoy.filters.http.cors", "istio.metadata_exchange", "envoy.filters.http.fault",
            "envoy.filters.http.router");
    assertThat(hcm.getHttpFilters(0).getIsOptional()).isTrue();
    HttpConnectionManager reviews = listener(resources, "reviews.default.svc.cluster.local:9080")
        .getApiListener().getApiListener().unpack(HttpConnectionManager.class);
    assertThat(reviews.getHttpFiltersList()).extracting(HttpFilter::getName)
        .containsExactly("istio.metadata_exchange", "envoy.filters.http.fault", "envoy.filters.http.router");
  }

  @Test
  void deprecatedAllowOriginAndIgnoredUnmatchedPreflights() throws IOException {
    XdsResources resources = translate("""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: ratings}
        spec:
          hosts: [ratings]
          http:
          - route: [{destination: {host: ratings}}]
            corsPolicy:
              allowOrigin: ["https://a.example", "https://b.example"]
              unmatchedPreflights: IGNORE
        """);
    CorsPolicy cors = cors(routes(resources, RATINGS).get(0));
    assertThat(cors.getAllowOriginStringMatchList()).extracting(StringMatcher::getExact)
        .containsExactly("https://a.example", "https://b.example");
    assertThat(cors.getForwardNotMatchingPreflights().getValue()).isFalse();
    assertThat(cors.hasAllowCredentials()).isFalse();
  }

  @Test
  void anOriginNeedsExactlyOneMatchKind() {
    XdsResources resources = translate("""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: ratings}
        spec:
          hosts: [ratings]
          http:
          - route: [{destination: {host: ratings}}]
            corsPolicy:
              allowOrigins: [{exact: a, prefix: b}]
        """);
    assertThat(errors(resources)).extracting(Diagnostic::toString)
        .anyMatch(d -> d.contains("spec.http[0].corsPolicy.allowOrigins[0]") && d.contains("exactly one"));
  }
}
