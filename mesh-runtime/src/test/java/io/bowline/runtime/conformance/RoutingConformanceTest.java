package io.bowline.runtime.conformance;

import static io.bowline.runtime.testing.EnvoyResources.ADS;
import static io.bowline.runtime.testing.EnvoyResources.listener;
import static io.bowline.runtime.testing.EnvoyResources.routes;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.extensions.path.match.uri_template.v3.UriTemplateMatchConfig;
import io.envoyproxy.envoy.extensions.path.rewrite.uri_template.v3.UriTemplateRewriteConfig;
import com.google.protobuf.UInt32Value;
import io.bowline.api.MeshClient;
import io.bowline.runtime.testing.NamedGrpcServer;
import io.bowline.runtime.testing.NamedHttpServer;
import io.bowline.runtime.testing.XdsTestServer;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.envoyproxy.envoy.type.v3.Int64Range;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Spec §1, §2 and §7, one row per rule, each run through BOTH adapters (OkHttp and gRPC) against
 * real loopback servers over a real ADS stream. Every row gets its own listener and route
 * configuration per adapter ({@code row<N>-http…} / {@code row<N>-grpc…}); clusters {@code a}, {@code b}
 * and the two-endpoint ones point at HTTP backends for OkHttp and gRPC backends for gRPC.
 * Distributions are checked with a binomial tolerance.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RoutingConformanceTest {
  private static final int CALLS_FOR_SHARES = 400;

  private XdsTestServer xds;
  private final Map<String, NamedHttpServer> http = new HashMap<>();
  private final Map<String, NamedGrpcServer> grpc = new HashMap<>();
  private MeshClient mesh;

  /** One conformance row. */
  record Case(
      String name,
      Function<Function<String, String>, List<Route>> routes,
      String path,
      Map<String, String> headers,
      String expected,
      String expectedGrpc,
      Map<String, String> expectedHeaders,
      double shareOfB,
      boolean httpOnly) {
    Case expectHeader(String k, String v) {
      Map<String, String> m = new HashMap<>(expectedHeaders);
      m.put(k, v);
      return new Case(name, routes, path, headers, expected, expectedGrpc, m, shareOfB, httpOnly);
    }

    Case grpcExpects(String e) {
      return new Case(name, routes, path, headers, expected, e, expectedHeaders, shareOfB, httpOnly);
    }

    Case share(double s) {
      return new Case(name, routes, path, headers, expected, expectedGrpc, expectedHeaders, s, httpOnly);
    }

    Case onlyHttp() {
      return new Case(name, routes, path, headers, expected, expectedGrpc, expectedHeaders, shareOfB, true);
    }

    @Override
    public String toString() {
      return name;
    }
  }

  static Case row(String name, Function<Function<String, String>, List<Route>> routes, String path,
      Map<String, String> headers, String expected) {
    return new Case(name, routes, path, headers, expected, null, Map.of(), -1, false);
  }

  static List<Case> cases() {
    List<Case> c = new ArrayList<>();
    c.add(row("prefix matches", k -> List.of(to(prefix("/svc."), k.apply("b")), to(prefix("/"), k.apply("a"))),
        "/svc.Foo/Get", Map.of(), "b"));
    c.add(row("first match wins over a later exact path", k -> List.of(to(prefix("/"), k.apply("a")), to(path("/svc.Foo/Get"), k.apply("b"))),
        "/svc.Foo/Get", Map.of(), "a"));
    c.add(row("exact path", k -> List.of(to(path("/svc.Foo/Get"), k.apply("b")), to(prefix("/"), k.apply("a"))),
        "/svc.Foo/Get", Map.of(), "b"));
    c.add(row("safe_regex is a full match", k -> List.of(to(regex("/svc\\.Foo/G.t"), k.apply("b")), to(regex("/svc"), k.apply("a")), to(prefix("/"), k.apply("a"))),
        "/svc.Foo/Get", Map.of(), "b"));
    c.add(row("path_separated_prefix does not match a longer segment",
        k -> List.of(to(RouteMatch.newBuilder().setPathSeparatedPrefix("/svc.Foo/Ge").build(), k.apply("b")), to(prefix("/"), k.apply("a"))),
        "/svc.Foo/Get", Map.of(), "a"));
    c.add(row("case_sensitive false", k -> List.of(to(prefix("/SVC.FOO/").toBuilder().setCaseSensitive(BoolValue.of(false)).build(), k.apply("b")), to(prefix("/"), k.apply("a"))),
        "/svc.Foo/Get", Map.of(), "b"));
    c.add(row("header exact", k -> List.of(to(header(HeaderMatcher.newBuilder().setName("x-user").setStringMatch(StringMatcher.newBuilder().setExact("jason"))), k.apply("b")), to(prefix("/"), k.apply("a"))),
        "/svc.Foo/Get", Map.of("x-user", "jason"), "b"));
    c.add(row("header present_match false", k -> List.of(to(header(HeaderMatcher.newBuilder().setName("x-user").setPresentMatch(false)), k.apply("b")), to(prefix("/"), k.apply("a"))),
        "/svc.Foo/Get", Map.of(), "b"));
    c.add(row("inverted value matcher on a missing header does not match",
        k -> List.of(to(header(HeaderMatcher.newBuilder().setName("x-user").setInvertMatch(true).setStringMatch(StringMatcher.newBuilder().setExact("jason"))), k.apply("b")), to(prefix("/"), k.apply("a"))),
        "/svc.Foo/Get", Map.of(), "a"));
    c.add(row("treat_missing_header_as_empty makes inversion apply",
        k -> List.of(to(header(HeaderMatcher.newBuilder().setName("x-user").setInvertMatch(true).setTreatMissingHeaderAsEmpty(true).setStringMatch(StringMatcher.newBuilder().setExact("jason"))), k.apply("b")), to(prefix("/"), k.apply("a"))),
        "/svc.Foo/Get", Map.of(), "b"));
    c.add(row("range_match is half-open", k -> List.of(to(header(HeaderMatcher.newBuilder().setName("x-n").setRangeMatch(Int64Range.newBuilder().setStart(1).setEnd(10))), k.apply("b")), to(prefix("/"), k.apply("a"))),
        "/svc.Foo/Get", Map.of("x-n", "10"), "a"));
    c.add(row("range_match inside", k -> List.of(to(header(HeaderMatcher.newBuilder().setName("x-n").setRangeMatch(Int64Range.newBuilder().setStart(1).setEnd(10))), k.apply("b")), to(prefix("/"), k.apply("a"))),
        "/svc.Foo/Get", Map.of("x-n", "9"), "b"));
    c.add(row(":authority pseudo-header", k -> List.of(to(header(HeaderMatcher.newBuilder().setName(":authority").setStringMatch(StringMatcher.newBuilder().setPrefix("row"))), k.apply("b")), to(prefix("/"), k.apply("a"))),
        "/svc.Foo/Get", Map.of(), "b"));
    c.add(row("query parameter, first value, encoded", k -> List.of(
            to(RouteMatch.newBuilder().setPrefix("/").addQueryParameters(QueryParameterMatcher.newBuilder().setName("u").setStringMatch(StringMatcher.newBuilder().setExact("a%20b"))).build(), k.apply("b")),
            to(prefix("/"), k.apply("a"))),
        "/p?u=a%20b&u=c", Map.of(), "b").onlyHttp());
    c.add(row("grpc matcher", k -> List.of(to(RouteMatch.newBuilder().setPrefix("/").setGrpc(RouteMatch.GrpcRouteMatchOptions.getDefaultInstance()).build(), k.apply("b")), to(prefix("/"), k.apply("a"))),
        "/svc.Foo/Get", Map.of(), "a").grpcExpects("b"));
    c.add(row("runtime_fraction 0% never matches", k -> List.of(to(fraction(0), k.apply("b")), to(prefix("/"), k.apply("a"))),
        "/svc.Foo/Get", Map.of(), "a"));
    c.add(row("runtime_fraction 30% is a fresh draw", k -> List.of(to(fraction(30), k.apply("b")), to(prefix("/"), k.apply("a"))),
        "/svc.Foo/Get", Map.of(), "a|b").share(0.30));
    c.add(row("weighted clusters 1:3", k -> List.of(Route.newBuilder().setMatch(prefix("/")).setRoute(RouteAction.newBuilder()
            .setWeightedClusters(WeightedCluster.newBuilder()
                .addClusters(WeightedCluster.ClusterWeight.newBuilder().setName(k.apply("a")).setWeight(UInt32Value.of(1)))
                .addClusters(WeightedCluster.ClusterWeight.newBuilder().setName(k.apply("zero")).setWeight(UInt32Value.of(0)))
                .addClusters(WeightedCluster.ClusterWeight.newBuilder().setName(k.apply("b")).setWeight(UInt32Value.of(3))))).build()),
        "/svc.Foo/Get", Map.of(), "a|b").share(0.75));
    c.add(row("cluster_header", k -> List.of(Route.newBuilder().setMatch(prefix("/")).setRoute(RouteAction.newBuilder().setClusterHeader("x-cluster")).build()),
        "/svc.Foo/Get", Map.of("x-cluster", "CLUSTER_B"), "b"));
    c.add(row("cluster_header missing is 404 NC", k -> List.of(Route.newBuilder().setMatch(prefix("/")).setRoute(RouteAction.newBuilder().setClusterHeader("x-cluster")).build()),
        "/svc.Foo/Get", Map.of(), "local 404 NC"));
    c.add(row("cluster_header unknown cluster is 404 NC", k -> List.of(Route.newBuilder().setMatch(prefix("/")).setRoute(RouteAction.newBuilder().setClusterHeader("x-cluster")).build()),
        "/svc.Foo/Get", Map.of("x-cluster", "nope"), "local 404 NC"));
    c.add(row("cluster_header inside weighted_clusters", k -> List.of(Route.newBuilder().setMatch(prefix("/")).setRoute(RouteAction.newBuilder()
            .setWeightedClusters(WeightedCluster.newBuilder()
                .addClusters(WeightedCluster.ClusterWeight.newBuilder().setClusterHeader("x-cluster").setWeight(UInt32Value.of(1)))
                .addClusters(WeightedCluster.ClusterWeight.newBuilder().setName(k.apply("a")).setWeight(UInt32Value.of(0))))).build()),
        "/svc.Foo/Get", Map.of("x-cluster", "CLUSTER_B"), "b"));
    c.add(row("cluster_header inside weighted_clusters, header missing, is 404 NC", k -> List.of(Route.newBuilder().setMatch(prefix("/")).setRoute(RouteAction.newBuilder()
            .setWeightedClusters(WeightedCluster.newBuilder()
                .addClusters(WeightedCluster.ClusterWeight.newBuilder().setClusterHeader("x-cluster").setWeight(UInt32Value.of(1))))).build()),
        "/svc.Foo/Get", Map.of(), "local 404 NC"));
    c.add(row("unknown cluster is 503 NC", k -> List.of(to(prefix("/"), "nope")), "/svc.Foo/Get", Map.of(), "local 503 NC"));
    c.add(row("cluster_not_found_response_code NOT_FOUND", k -> List.of(Route.newBuilder().setMatch(prefix("/")).setRoute(RouteAction.newBuilder().setCluster("nope")
            .setClusterNotFoundResponseCode(RouteAction.ClusterNotFoundResponseCode.NOT_FOUND)).build()),
        "/svc.Foo/Get", Map.of(), "local 404 NC"));
    c.add(row("no route is 404 NR", k -> List.of(to(prefix("/other"), k.apply("a"))), "/svc.Foo/Get", Map.of(), "local 404 NR"));
    c.add(row("direct_response", k -> List.of(Route.newBuilder().setMatch(prefix("/")).setDirectResponse(DirectResponseAction.newBuilder().setStatus(403)
            .setBody(DataSource.newBuilder().setInlineString("denied"))).build()),
        "/svc.Foo/Get", Map.of(), "local 403"));
    c.add(row("redirect is returned, not followed", k -> List.of(Route.newBuilder().setMatch(prefix("/")).setRedirect(RedirectAction.newBuilder()
            .setHostRedirect("elsewhere").setPathRedirect("/moved")).build()),
        "/svc.Foo/Get", Map.of(), "local 301").expectHeader("location", "http://elsewhere/moved"));
    c.add(row("prefix_rewrite", k -> List.of(Route.newBuilder().setMatch(prefix("/old.Svc/")).setRoute(RouteAction.newBuilder().setCluster(k.apply("b"))
            .setPrefixRewrite("/new.Svc/")).build()),
        "/old.Svc/Get", Map.of(), "b").expectHeader("x-seen-path", "/new.Svc/Get"));
    c.add(row("regex_rewrite with groups", k -> List.of(Route.newBuilder().setMatch(prefix("/")).setRoute(RouteAction.newBuilder().setCluster(k.apply("b"))
            .setRegexRewrite(RegexMatchAndSubstitute.newBuilder().setPattern(RegexMatcher.newBuilder().setRegex("^/([^/]+)/(.*)$")).setSubstitution("/\\1.v2/\\2"))).build()),
        "/svc.Foo/Get", Map.of(), "b").expectHeader("x-seen-path", "/svc.Foo.v2/Get"));
    c.add(row("uri_template match and rewrite", k -> List.of(Route.newBuilder()
            .setMatch(RouteMatch.newBuilder().setPathMatchPolicy(TypedExtensionConfig.newBuilder()
                .setName("envoy.path.match.uri_template.uri_template_matcher")
                .setTypedConfig(Any.pack(UriTemplateMatchConfig.newBuilder().setPathTemplate("/{svc}/{method}").build()))))
            .setRoute(RouteAction.newBuilder().setCluster(k.apply("b")).setPathRewritePolicy(TypedExtensionConfig.newBuilder()
                .setName("envoy.path.rewrite.uri_template.uri_template_rewriter")
                .setTypedConfig(Any.pack(UriTemplateRewriteConfig.newBuilder().setPathTemplateRewrite("/{svc}.v2/{method}").build())))).build(),
            to(prefix("/"), k.apply("a"))),
        "/svc.Foo/Get", Map.of(), "b").expectHeader("x-seen-path", "/svc.Foo.v2/Get"));
    c.add(row("host_rewrite_literal", k -> List.of(Route.newBuilder().setMatch(prefix("/")).setRoute(RouteAction.newBuilder().setCluster(k.apply("b"))
            .setHostRewriteLiteral("rewritten.example")).build()),
        "/svc.Foo/Get", Map.of(), "b").expectHeader("x-seen-authority", "rewritten.example"));
    c.add(row("host_rewrite_header", k -> List.of(Route.newBuilder().setMatch(prefix("/")).setRoute(RouteAction.newBuilder().setCluster(k.apply("b"))
            .setHostRewriteHeader("x-host")).build()),
        "/svc.Foo/Get", Map.of("x-host", "from-header.example"), "b").expectHeader("x-seen-authority", "from-header.example"));
    c.add(row("host_rewrite_path_regex", k -> List.of(Route.newBuilder().setMatch(prefix("/")).setRoute(RouteAction.newBuilder().setCluster(k.apply("b"))
            .setHostRewritePathRegex(RegexMatchAndSubstitute.newBuilder().setPattern(RegexMatcher.newBuilder().setRegex("^/([^.]+)\\.Foo/.+$")).setSubstitution("\\1.example"))).build()),
        "/svc.Foo/Get", Map.of(), "b").expectHeader("x-seen-authority", "svc.example"));
    c.add(row("request headers: remove before add, append_action", k -> List.of(Route.newBuilder().setMatch(prefix("/")).setRoute(RouteAction.newBuilder().setCluster(k.apply("b")))
            .addRequestHeadersToRemove("x-drop")
            .addRequestHeadersToAdd(hvo("x-set", "mesh", HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD))
            .addRequestHeadersToAdd(hvo("x-keep", "mesh", HeaderValueOption.HeaderAppendAction.ADD_IF_ABSENT))
            .addRequestHeadersToAdd(hvo("x-added", "mesh", HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD)).build()),
        "/svc.Foo/Get", Map.of("x-drop", "1", "x-set", "app", "x-keep", "app"), "b")
        .expectHeader("x-seen-x-set", "mesh").expectHeader("x-seen-x-keep", "app").expectHeader("x-seen-x-added", "mesh")
        .expectHeader("x-seen-x-drop", null));
    c.add(row("response headers added", k -> List.of(Route.newBuilder().setMatch(prefix("/")).setRoute(RouteAction.newBuilder().setCluster(k.apply("b")))
            .addResponseHeadersToAdd(hvo("x-mesh", "yes", HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD))
            .addResponseHeadersToRemove("x-seen-path").build()),
        "/svc.Foo/Get", Map.of(), "b").expectHeader("x-mesh", "yes").expectHeader("x-seen-path", null));
    c.add(row("ring hash: same header, same host", k -> List.of(Route.newBuilder().setMatch(prefix("/")).setRoute(RouteAction.newBuilder().setCluster(k.apply("ring"))
            .addHashPolicy(RouteAction.HashPolicy.newBuilder().setHeader(RouteAction.HashPolicy.Header.newBuilder().setHeaderName("x-user")))).build()),
        "/svc.Foo/Get", Map.of("x-user", "alice"), "sticky"));
    c.add(row("ring hash MURMUR_HASH_2: same header, same host", k -> List.of(Route.newBuilder().setMatch(prefix("/")).setRoute(RouteAction.newBuilder().setCluster(k.apply("ring-murmur"))
            .addHashPolicy(RouteAction.HashPolicy.newBuilder().setHeader(RouteAction.HashPolicy.Header.newBuilder().setHeaderName("x-user")))).build()),
        "/svc.Foo/Get", Map.of("x-user", "carol"), "sticky"));
    c.add(row("maglev: same header, same host", k -> List.of(Route.newBuilder().setMatch(prefix("/")).setRoute(RouteAction.newBuilder().setCluster(k.apply("maglev"))
            .addHashPolicy(RouteAction.HashPolicy.newBuilder().setHeader(RouteAction.HashPolicy.Header.newBuilder().setHeaderName("x-user")))).build()),
        "/svc.Foo/Get", Map.of("x-user", "bob"), "sticky"));
    c.add(row("priority failover to P1 when P0 is unhealthy", k -> List.of(to(prefix("/"), k.apply("failover"))), "/svc.Foo/Get", Map.of(), "b"));
    c.add(row("round robin over two endpoints", k -> List.of(to(prefix("/"), k.apply("rr"))), "/svc.Foo/Get", Map.of(), "a|b").share(0.5));
    return c;
  }

  Stream<Arguments> casesAndAdapters() {
    List<Arguments> out = new ArrayList<>();
    List<Case> cases = cases();
    for (int i = 0; i < cases.size(); i++) {
      for (Adapter a : Adapter.values()) {
        if (a == Adapter.GRPC && cases.get(i).httpOnly()) {
          continue;
        }
        out.add(Arguments.of(i, cases.get(i), a));
      }
    }
    return out.stream();
  }

  @BeforeAll
  void start() throws Exception {
    xds = new XdsTestServer();
    for (String name : List.of("a", "b")) {
      http.put(name, new NamedHttpServer(name));
      grpc.put(name, new NamedGrpcServer(name));
    }
    List<Cluster> clusters = new ArrayList<>();
    List<ClusterLoadAssignment> assignments = new ArrayList<>();
    List<io.envoyproxy.envoy.config.listener.v3.Listener> listeners = new ArrayList<>();
    List<RouteConfiguration> routeConfigs = new ArrayList<>();
    for (Adapter adapter : Adapter.values()) {
      String kind = adapter.name().toLowerCase();
      Function<String, Integer> port = n -> adapter == Adapter.GRPC ? grpc.get(n).port() : http.get(n).port();
      Function<String, String> cluster = logical -> "outbound|80|" + logical + "|" + kind;
      addCluster(clusters, assignments, cluster.apply("a"), Cluster.LbPolicy.ROUND_ROBIN, locality(0, HealthStatus.HEALTHY, port.apply("a")));
      addCluster(clusters, assignments, cluster.apply("b"), Cluster.LbPolicy.ROUND_ROBIN, locality(0, HealthStatus.HEALTHY, port.apply("b")));
      addCluster(clusters, assignments, cluster.apply("zero"), Cluster.LbPolicy.ROUND_ROBIN, locality(0, HealthStatus.HEALTHY, port.apply("a")));
      addCluster(clusters, assignments, cluster.apply("rr"), Cluster.LbPolicy.ROUND_ROBIN,
          locality(0, HealthStatus.HEALTHY, port.apply("a"), port.apply("b")));
      addCluster(clusters, assignments, cluster.apply("ring"), Cluster.LbPolicy.RING_HASH,
          locality(0, HealthStatus.HEALTHY, port.apply("a"), port.apply("b")));
      addCluster(clusters, assignments, cluster.apply("ring-murmur"), Cluster.LbPolicy.RING_HASH,
          locality(0, HealthStatus.HEALTHY, port.apply("a"), port.apply("b")));
      clusters.set(clusters.size() - 1, clusters.get(clusters.size() - 1).toBuilder().setRingHashLbConfig(
          Cluster.RingHashLbConfig.newBuilder().setHashFunction(Cluster.RingHashLbConfig.HashFunction.MURMUR_HASH_2)).build());
      addCluster(clusters, assignments, cluster.apply("maglev"), Cluster.LbPolicy.MAGLEV,
          locality(0, HealthStatus.HEALTHY, port.apply("a"), port.apply("b")));
      addCluster(clusters, assignments, cluster.apply("failover"), Cluster.LbPolicy.ROUND_ROBIN,
          locality(0, HealthStatus.UNHEALTHY, port.apply("a")), locality(1, HealthStatus.HEALTHY, port.apply("b")));
      // cluster_header names a cluster literally: CLUSTER_B (gRPC backend), CLUSTER_B_HTTP (HTTP backend).
      addCluster(clusters, assignments, "CLUSTER_B" + (adapter == Adapter.GRPC ? "" : "_HTTP"), Cluster.LbPolicy.ROUND_ROBIN,
          locality(0, HealthStatus.HEALTHY, port.apply("b")));
      List<Case> cases = cases();
      for (int i = 0; i < cases.size(); i++) {
        String fqdn = host(i, adapter);
        listeners.add(listener(fqdn, 80));
        routeConfigs.add(routes(fqdn, 80, cases.get(i).routes().apply(cluster).toArray(Route[]::new)));
      }
    }
    dedupe(clusters, assignments);
    xds.set(Snapshot.create(clusters, assignments, listeners, routeConfigs, List.of(), "1"));
    mesh = MeshClient.builder().workload("conformance", "default").xdsServer(xds.address()).build();
    mesh.awaitReady(Duration.ofSeconds(20));
  }

  private static void dedupe(List<Cluster> clusters, List<ClusterLoadAssignment> assignments) {
    Map<String, Cluster> c = new java.util.LinkedHashMap<>();
    clusters.forEach(x -> c.putIfAbsent(x.getName(), x));
    Map<String, ClusterLoadAssignment> a = new java.util.LinkedHashMap<>();
    assignments.forEach(x -> a.putIfAbsent(x.getClusterName(), x));
    clusters.clear();
    clusters.addAll(c.values());
    assignments.clear();
    assignments.addAll(a.values());
  }

  @AfterAll
  void stop() throws Exception {
    if (mesh != null) {
      mesh.close();
    }
    for (NamedHttpServer s : http.values()) {
      s.close();
    }
    for (NamedGrpcServer s : grpc.values()) {
      s.close();
    }
    xds.close();
  }

  private static String host(int row, Adapter adapter) {
    return "row" + row + "-" + adapter.name().toLowerCase() + ".default.svc.cluster.local";
  }

  @ParameterizedTest(name = "[{2}] {1}")
  @MethodSource("casesAndAdapters")
  void routesLikeEnvoy(int row, Case c, Adapter adapter) {
    String expected = adapter == Adapter.GRPC && c.expectedGrpc() != null ? c.expectedGrpc() : c.expected();
    Map<String, String> headers = c.headers();
    if ("CLUSTER_B".equals(headers.get("x-cluster")) && adapter == Adapter.OKHTTP) {
      headers = Map.of("x-cluster", "CLUSTER_B_HTTP");
    }
    if (c.shareOfB() >= 0) {
      int b = 0;
      for (int i = 0; i < CALLS_FOR_SHARES; i++) {
        String got = adapter.call(mesh, host(row, adapter), c.path(), headers).summary();
        assertThat(got).isIn("a", "b");
        b += got.equals("b") ? 1 : 0;
      }
      double sd = Math.sqrt(c.shareOfB() * (1 - c.shareOfB()) / CALLS_FOR_SHARES);
      assertThat(b / (double) CALLS_FOR_SHARES).isBetween(c.shareOfB() - 4.5 * sd, c.shareOfB() + 4.5 * sd);
      return;
    }
    Adapter.Outcome outcome = adapter.call(mesh, host(row, adapter), c.path(), headers);
    if (expected.equals("sticky")) {
      assertThat(outcome.backend()).isIn("a", "b");
      for (int i = 0; i < 20; i++) {
        assertThat(adapter.call(mesh, host(row, adapter), c.path(), headers).backend()).isEqualTo(outcome.backend());
      }
      return;
    }
    assertThat(outcome.summary()).isEqualTo(expected);
    c.expectedHeaders().forEach((k, v) -> {
      if (v == null) {
        assertThat(outcome.headers()).doesNotContainKey(k);
      } else {
        assertThat(outcome.headers()).containsEntry(k, v);
      }
    });
  }

  private static void addCluster(List<Cluster> clusters, List<ClusterLoadAssignment> assignments, String name,
      Cluster.LbPolicy policy, LocalityLbEndpoints... localities) {
    clusters.add(Cluster.newBuilder().setName(name).setType(Cluster.DiscoveryType.EDS)
        .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setEdsConfig(ADS).setServiceName(name))
        .setLbPolicy(policy).build());
    assignments.add(ClusterLoadAssignment.newBuilder().setClusterName(name).addAllEndpoints(List.of(localities)).build());
  }

  private static LocalityLbEndpoints locality(int priority, HealthStatus health, int... ports) {
    LocalityLbEndpoints.Builder b = LocalityLbEndpoints.newBuilder().setPriority(priority);
    for (int port : ports) {
      b.addLbEndpoints(LbEndpoint.newBuilder().setHealthStatus(health).setEndpoint(Endpoint.newBuilder()
          .setAddress(Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress("127.0.0.1").setPortValue(port)))));
    }
    return b.build();
  }

  private static Route to(RouteMatch match, String cluster) {
    return Route.newBuilder().setMatch(match).setRoute(RouteAction.newBuilder().setCluster(cluster)).build();
  }

  private static RouteMatch prefix(String p) {
    return RouteMatch.newBuilder().setPrefix(p).build();
  }

  private static RouteMatch path(String p) {
    return RouteMatch.newBuilder().setPath(p).build();
  }

  private static RouteMatch regex(String r) {
    return RouteMatch.newBuilder().setSafeRegex(RegexMatcher.newBuilder().setRegex(r)).build();
  }

  private static RouteMatch header(HeaderMatcher.Builder h) {
    return RouteMatch.newBuilder().setPrefix("/").addHeaders(h).build();
  }

  private static RouteMatch fraction(int percent) {
    return RouteMatch.newBuilder().setPrefix("/").setRuntimeFraction(RuntimeFractionalPercent.newBuilder()
        .setDefaultValue(FractionalPercent.newBuilder().setNumerator(percent).setDenominator(FractionalPercent.DenominatorType.HUNDRED))).build();
  }

  private static HeaderValueOption hvo(String k, String v, HeaderValueOption.HeaderAppendAction action) {
    return HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder().setKey(k).setValue(v)).setAppendAction(action).build();
  }
}
