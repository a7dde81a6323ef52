package io.bowline.runtime.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.api.config.Endpoint;
import io.bowline.api.config.HeaderMutations;
import io.bowline.api.config.HeaderValueOption;
import io.bowline.api.config.HeaderValueOption.AppendAction;
import io.bowline.api.config.PathMatcher;
import io.bowline.api.config.PathRewrite;
import io.bowline.api.config.Route;
import io.bowline.api.config.RouteAction;
import io.bowline.api.config.RouteConfiguration;
import io.bowline.api.config.RouteMatch;
import io.bowline.api.config.VirtualHost;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Spec §2: rewrites, header edits with append_action, redirects, cluster_header. */
class RouteActionTest {

  private static RouteMatch prefix(String p) {
    return new RouteMatch(new PathMatcher.Prefix(p), true, List.of());
  }

  private static CompiledRouteConfig table(Route route, HeaderMutations vhost, HeaderMutations rc, boolean mostSpecificWins) {
    return new CompiledRouteConfig(new RouteConfiguration("rc",
        List.of(new VirtualHost("vh", List.of("*"), List.of(route), vhost)), false, rc, mostSpecificWins));
  }

  private static CompiledRouteConfig table(Route route) {
    return table(route, HeaderMutations.NONE, HeaderMutations.NONE, false);
  }

  private static RouteAction.ForwardOptions rewrite(PathRewrite r, String host) {
    return new RouteAction.ForwardOptions(r, host, List.of(), 503);
  }

  /** Applies a forward decision's request mutation to a recorded request. */
  private static Recorded apply(CompiledRouteConfig config, TestRequest request) {
    RouteDecision.Forward f = (RouteDecision.Forward) config.route(request);
    Recorded r = new Recorded(request);
    f.mutation().applyToRequest(request, r);
    return r;
  }

  @ParameterizedTest(name = "{0} {1}, rewrite {2}: {3} -> {4}")
  @CsvSource({
    "prefix, /api/, /, /api/v1/x?q=1, /v1/x?q=1",
    "prefix, /api, /v2, /api/x, /v2/x",
    "separated, /api, /v2, /api/x?y, /v2/x?y",
    "path, /old, /new, /old?a=b, /new?a=b",
  })
  void prefixRewrite(String kind, String value, String rewriteTo, String path, String expected) {
    PathMatcher m = switch (kind) {
      case "prefix" -> new PathMatcher.Prefix(value);
      case "separated" -> new PathMatcher.SeparatedPrefix(value);
      default -> new PathMatcher.Exact(value);
    };
    Route route = new Route("r", new RouteMatch(m, true, List.of()),
        new RouteAction.ToCluster("c", rewrite(new PathRewrite.Prefix(rewriteTo), null)));
    Recorded r = apply(table(route), new TestRequest("h", path));
    assertThat(r.path).isEqualTo(expected);
    assertThat(r.headers.get("x-envoy-original-path")).containsExactly(path);
  }

  @ParameterizedTest(name = "{0} -> {1} on {2} = {3}")
  @CsvSource(delimiter = '|', value = {
    "^/service/([^/]+)(/.*)$|\\2/instance/\\1|/service/foo/v1/api?x=1|/v1/api/instance/foo?x=1",
    "one|two|/xxx/one/yyy/one/zzz|/xxx/two/yyy/two/zzz",
    "(?i)/xxx/|/yyy/|/aaa/XxX/bbb|/aaa/yyy/bbb",
  })
  void regexRewriteIsReplaceAllOnThePathWithoutQuery(String pattern, String substitution, String path, String expected) {
    Route route = new Route("r", prefix("/"),
        new RouteAction.ToCluster("c", rewrite(new PathRewrite.Regex(pattern, substitution), null)));
    assertThat(apply(table(route), new TestRequest("h", path)).path).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0} rewritten by {1}: {2} -> {3}")
  @CsvSource(delimiter = '|', value = {
    "/{lang}/docs/{page=**}|/docs/{page}/{lang}|/en/docs/a/b.html?x=1|/docs/a/b.html/en?x=1",
    "/videos/{id}/{rest=**}|/v2/{id}|/videos/42/hd/play|/v2/42",
  })
  void uriTemplateRewrite(String template, String rewriteTo, String path, String expected) {
    Route route = new Route("r", new RouteMatch(new PathMatcher.UriTemplate(template), true, List.of()),
        new RouteAction.ToCluster("c", rewrite(new PathRewrite.UriTemplate(rewriteTo), null)));
    assertThat(apply(table(route), new TestRequest("h", path)).path).isEqualTo(expected);
  }

  @Test
  void uriTemplateRewriteNamingAnUnknownVariableIsRejected() {
    Route route = new Route("r", new RouteMatch(new PathMatcher.UriTemplate("/{a}"), true, List.of()),
        new RouteAction.ToCluster("c", rewrite(new PathRewrite.UriTemplate("/{b}"), null)));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> table(route))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown variable 'b'");
  }

  @Test
  void hostRewriteRouteWinsOverWeightedCluster() {
    var cw = new RouteAction.ClusterWeight("c", 1, HeaderMutations.NONE, "from-cluster");
    Route clusterOnly = new Route("r", prefix("/"), new RouteAction.ToWeightedClusters(List.of(cw), RouteAction.ForwardOptions.NONE));
    Route both = new Route("r", prefix("/"), new RouteAction.ToWeightedClusters(List.of(cw), rewrite(null, "from-route")));
    assertThat(apply(table(clusterOnly), new TestRequest("h", "/")).authority).isEqualTo("from-cluster");
    assertThat(apply(table(both), new TestRequest("h", "/")).authority).isEqualTo("from-route");
  }

  @Test
  void hostRewriteHeaderTakesTheFirstValueAndKeepsTheHostWhenAbsentOrEmpty() {
    Route route = new Route("r", prefix("/"), new RouteAction.ToCluster("c",
        new RouteAction.ForwardOptions(null, null, List.of(), 503, new RouteAction.HostRewrite.Header("x-host"))));
    CompiledRouteConfig config = table(route);
    assertThat(apply(config, new TestRequest("h", "/").header("x-host", "one").header("x-host", "two")).authority).isEqualTo("one");
    assertThat(apply(config, new TestRequest("h", "/")).authority).isEqualTo("h");
    assertThat(apply(config, new TestRequest("h", "/").header("x-host", "")).authority).isEqualTo("h");
  }

  @Test
  void hostRewritePathRegexSubstitutesOverThePathWithoutItsQuery() {
    Route route = new Route("r", prefix("/"), new RouteAction.ToCluster("c", new RouteAction.ForwardOptions(null, null,
        List.of(), 503, new RouteAction.HostRewrite.PathRegex("^/([^/]+)/.+$", "\\1"))));
    CompiledRouteConfig config = table(route);
    // RE2 semantics: with a greedy "(.+)" the host would be "envoyproxy.io/some"
    assertThat(apply(config, new TestRequest("h", "/envoyproxy.io/some/path?q=/x/y")).authority).isEqualTo("envoyproxy.io");
    Route emptying = new Route("r", prefix("/"), new RouteAction.ToCluster("c", new RouteAction.ForwardOptions(null, null,
        List.of(), 503, new RouteAction.HostRewrite.PathRegex(".*", ""))));
    assertThat(apply(table(emptying), new TestRequest("h", "/a")).authority).isEqualTo("h");
  }

  @Test
  void autoHostRewriteNamesEachAttemptAfterItsEndpointAndActsAfterTheWeightedClusterLiteral() {
    Route route = new Route("r", prefix("/"), new RouteAction.ToCluster("c",
        new RouteAction.ForwardOptions(null, null, List.of(), 503, RouteAction.HostRewrite.Auto.INSTANCE)));
    RequestMutation m = ((RouteDecision.Forward) table(route).route(new TestRequest("h", "/"))).mutation();
    assertThat(m.autoHostRewrite()).isTrue();
    assertThat(m.changesRequest()).as("nothing to do before a host is picked").isFalse();
    assertThat(apply(table(route), new TestRequest("h", "/")).authority).isEqualTo("h");
    Endpoint named = new Endpoint("10.0.0.1", 8080, 1, Endpoint.HealthStatus.HEALTHY, "one.example");
    Endpoint unnamed = new Endpoint("10.0.0.2", 8080, 1, Endpoint.HealthStatus.HEALTHY);
    assertThat(m.attemptAuthority(named, "h")).isEqualTo("one.example");
    assertThat(m.attemptAuthority(unnamed, "h")).isEqualTo("h");

    // Envoy: the weighted cluster's literal is set with the request headers, the endpoint's name per attempt
    var cw = new RouteAction.ClusterWeight("c", 1, HeaderMutations.NONE, "from-cluster");
    Route weighted = new Route("r", prefix("/"), new RouteAction.ToWeightedClusters(List.of(cw),
        new RouteAction.ForwardOptions(null, null, List.of(), 503, RouteAction.HostRewrite.Auto.INSTANCE)));
    RequestMutation w = ((RouteDecision.Forward) table(weighted).route(new TestRequest("h", "/"))).mutation();
    assertThat(apply(table(weighted), new TestRequest("h", "/")).authority).isEqualTo("from-cluster");
    assertThat(w.attemptAuthority(named, "from-cluster")).isEqualTo("one.example");
    assertThat(w.attemptAuthority(unnamed, "from-cluster")).isEqualTo("from-cluster");

    RequestMutation off = ((RouteDecision.Forward) table(new Route("r", prefix("/"), new RouteAction.ToCluster("c",
        RouteAction.ForwardOptions.NONE))).route(new TestRequest("h", "/"))).mutation();
    assertThat(off.autoHostRewrite()).isFalse();
    assertThat(off.attemptAuthority(named, "h")).isEqualTo("h");
  }

  @Test
  void appendXForwardedHostAppendsTheReplacedHostUnlessItIsAlreadyLast() {
    Route literal = new Route("r", prefix("/"), new RouteAction.ToCluster("c",
        new RouteAction.ForwardOptions(null, "new.example", List.of(), 503, null, true)));
    Recorded plain = apply(table(literal), new TestRequest("h", "/"));
    assertThat(plain.authority).isEqualTo("new.example");
    assertThat(plain.headers.get("x-forwarded-host")).containsExactly("h");
    assertThat(apply(table(literal), new TestRequest("h", "/").header("x-forwarded-host", "edge")).headers.get("x-forwarded-host"))
        .containsExactly("edge,h");
    assertThat(apply(table(literal), new TestRequest("h", "/").header("x-forwarded-host", "edge, h")).headers.get("x-forwarded-host"))
        .containsExactly("edge, h");
    Route headerUnset = new Route("r", prefix("/"), new RouteAction.ToCluster("c",
        new RouteAction.ForwardOptions(null, null, List.of(), 503, new RouteAction.HostRewrite.Header("x-host"), true)));
    assertThat(apply(table(headerUnset), new TestRequest("h", "/")).headers).doesNotContainKey("x-forwarded-host");

    Route auto = new Route("r", prefix("/"), new RouteAction.ToCluster("c",
        new RouteAction.ForwardOptions(null, null, List.of(), 503, RouteAction.HostRewrite.Auto.INSTANCE, true)));
    RequestMutation m = ((RouteDecision.Forward) table(auto).route(new TestRequest("h", "/"))).mutation();
    Endpoint named = new Endpoint("10.0.0.1", 8080, 1, Endpoint.HealthStatus.HEALTHY, "one.example");
    Endpoint unnamed = new Endpoint("10.0.0.2", 8080, 1, Endpoint.HealthStatus.HEALTHY);
    assertThat(m.attemptForwardedHost(named, "h", null)).isEqualTo("h");
    assertThat(m.attemptForwardedHost(named, "h", "edge")).isEqualTo("edge,h");
    assertThat(m.attemptForwardedHost(named, "h", "edge,h")).isNull();
    assertThat(m.attemptForwardedHost(unnamed, "h", null)).as("no rewrite, nothing appended").isNull();

    // a weighted cluster's literal is not the route's rewrite: append_x_forwarded_host does not cover it
    var cw = new RouteAction.ClusterWeight("c", 1, HeaderMutations.NONE, "from-cluster");
    Route weighted = new Route("r", prefix("/"), new RouteAction.ToWeightedClusters(List.of(cw),
        new RouteAction.ForwardOptions(null, null, List.of(), 503, null, true)));
    assertThat(apply(table(weighted), new TestRequest("h", "/")).headers).doesNotContainKey("x-forwarded-host");
  }

  /**
   * Envoy's router edits one request header map per call: each attempt's {@code updateAuthority}
   * ({@code UpstreamRequest::onPoolReady}) starts from what the previous attempt was sent with.
   */
  @Test
  void aRetryUnderAutoHostRewriteEditsWhatThePreviousAttemptWasSentWith() {
    Route auto = new Route("r", prefix("/"), new RouteAction.ToCluster("c",
        new RouteAction.ForwardOptions(null, null, List.of(), 503, RouteAction.HostRewrite.Auto.INSTANCE, true)));
    RequestMutation m = ((RouteDecision.Forward) table(auto).route(new TestRequest("h", "/"))).mutation();
    Endpoint a = new Endpoint("10.0.0.1", 8080, 1, Endpoint.HealthStatus.HEALTHY, "a.example");
    Endpoint b = new Endpoint("10.0.0.2", 8080, 1, Endpoint.HealthStatus.HEALTHY, "b.example");
    Endpoint unnamed = new Endpoint("10.0.0.3", 8080, 1, Endpoint.HealthStatus.HEALTHY);

    AttemptHosts hosts = m.attemptHosts("h", "edge");
    hosts.next(a);
    assertThat(hosts.authority()).isEqualTo("a.example");
    assertThat(hosts.forwardedHost()).isEqualTo("edge,h");
    hosts.next(b);
    assertThat(hosts.authority()).isEqualTo("b.example");
    assertThat(hosts.forwardedHost()).as("the previous attempt's host is appended").isEqualTo("edge,h,a.example");
    hosts.next(unnamed);
    assertThat(hosts.authority()).as("no host name: the previous attempt's authority stays").isEqualTo("b.example");
    assertThat(hosts.forwardedHost()).isEqualTo("edge,h,a.example");
    hosts.next(b);
    assertThat(hosts.forwardedHost()).as("b.example is appended once, then it is the last value").isEqualTo("edge,h,a.example,b.example");
    hosts.next(b);
    assertThat(hosts.forwardedHost()).isEqualTo("edge,h,a.example,b.example");

    AttemptHosts unnamedFirst = m.attemptHosts("h", null);
    unnamedFirst.next(unnamed);
    assertThat(unnamedFirst.authority()).isEqualTo("h");
    assertThat(unnamedFirst.forwardedHost()).as("unchanged: the call's own is sent").isNull();

    Route noAppend = new Route("r", prefix("/"), new RouteAction.ToCluster("c",
        new RouteAction.ForwardOptions(null, null, List.of(), 503, RouteAction.HostRewrite.Auto.INSTANCE)));
    AttemptHosts plain = ((RouteDecision.Forward) table(noAppend).route(new TestRequest("h", "/"))).mutation()
        .attemptHosts("h", "edge");
    plain.next(a);
    plain.next(b);
    assertThat(plain.authority()).isEqualTo("b.example");
    assertThat(plain.forwardedHost()).isNull();

    RequestMutation off = ((RouteDecision.Forward) table(new Route("r", prefix("/"), new RouteAction.ToCluster("c",
        RouteAction.ForwardOptions.NONE))).route(new TestRequest("h", "/"))).mutation();
    assertThat(off.attemptHosts("h", null)).as("nothing allocated without auto_host_rewrite").isNull();
  }

  @Test
  void appendActionsFollowEnvoy() {
    HeaderMutations m = new HeaderMutations(List.of(
        new HeaderValueOption("x-append", "new", AppendAction.APPEND_IF_EXISTS_OR_ADD),
        new HeaderValueOption("x-add-absent", "new", AppendAction.ADD_IF_ABSENT),
        new HeaderValueOption("x-add-absent-missing", "new", AppendAction.ADD_IF_ABSENT),
        new HeaderValueOption("x-overwrite", "new", AppendAction.OVERWRITE_IF_EXISTS_OR_ADD),
        new HeaderValueOption("x-overwrite-exists", "new", AppendAction.OVERWRITE_IF_EXISTS),
        new HeaderValueOption("x-overwrite-exists-missing", "new", AppendAction.OVERWRITE_IF_EXISTS)),
        List.of("x-remove", "x-append"), List.of(), List.of());
    Route route = new Route("r", prefix("/"), new RouteAction.ToCluster("c"), m);
    TestRequest request = new TestRequest("h", "/")
        .header("x-append", "old").header("x-add-absent", "old").header("x-overwrite", "old1")
        .header("x-overwrite", "old2").header("x-overwrite-exists", "old").header("x-remove", "old");
    Recorded r = apply(table(route), request);
    // Removal happens before addition, so x-append is removed and then added.
    assertThat(r.headers.get("x-append")).containsExactly("new");
    assertThat(r.headers.get("x-add-absent")).containsExactly("old");
    assertThat(r.headers.get("x-add-absent-missing")).containsExactly("new");
    assertThat(r.headers.get("x-overwrite")).containsExactly("new");
    assertThat(r.headers.get("x-overwrite-exists")).containsExactly("new");
    assertThat(r.headers).doesNotContainKeys("x-overwrite-exists-missing", "x-remove");
  }

  @Test
  void levelsApplyFromWeightedClusterToRouteConfigurationUnlessMostSpecificWins() {
    var cluster = add("x-level", "cluster");
    var routeLevel = add("x-level", "route");
    var vhost = add("x-level", "vhost");
    var rc = add("x-level", "rc");
    var cw = new RouteAction.ClusterWeight("c", 1, cluster, null);
    Route route = new Route("r", prefix("/"), new RouteAction.ToWeightedClusters(List.of(cw)), routeLevel);
    assertThat(apply(table(route, vhost, rc, false), new TestRequest("h", "/")).headers.get("x-level"))
        .containsExactly("cluster", "route", "vhost", "rc");
    assertThat(apply(table(route, vhost, rc, true), new TestRequest("h", "/")).headers.get("x-level"))
        .containsExactly("rc", "vhost", "route", "cluster");
  }

  @Test
  void responseHeadersAreEditedToo() {
    HeaderMutations m = new HeaderMutations(List.of(), List.of(),
        List.of(new HeaderValueOption("x-served-by", "mesh", AppendAction.OVERWRITE_IF_EXISTS_OR_ADD)), List.of("server"));
    Route route = new Route("r", prefix("/"), new RouteAction.ToCluster("c"), m);
    RouteDecision.Forward f = (RouteDecision.Forward) table(route).route(new TestRequest("h", "/"));
    Recorded response = new Recorded(new TestRequest("h", "/"));
    response.add("server", "upstream");
    f.mutation().applyToResponse(response);
    assertThat(response.headers).containsOnlyKeys("x-served-by");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
    "defaults: 301, same URL|||0|||301|false|/a/b?q=1|301 http://svc:8080/a/b?q=1",
    "https keeps a non-default port|https||0|||302|false|/a?q=1|302 https://svc:8080/a?q=1",
    "host and port|https|new.host|8443|||307|false|/a|307 https://new.host:8443/a",
    "path redirect and strip query||| 0|/elsewhere||308|true|/a?q=1|308 http://svc:8080/elsewhere",
    "prefix rewrite||| 0||/v2/|303|false|/v1/x?q|303 http://svc:8080/v2/x?q",
  })
  void redirects(String description, String scheme, String host, int port, String path, String prefixRewrite, int code,
      boolean stripQuery, String requestPath, String expected) {
    PathRewrite rewrite = prefixRewrite == null ? null : new PathRewrite.Prefix(prefixRewrite);
    Route route = new Route("r", prefix(prefixRewrite == null ? "/" : "/v1/"),
        new RouteAction.Redirect(scheme, host, port, path, rewrite, code, stripQuery));
    RouteDecision.LocalReply reply = (RouteDecision.LocalReply) table(route).route(new TestRequest("svc:8080", requestPath));
    assertThat(reply.status() + " " + reply.headers().get("location")).as(description).isEqualTo(expected);
  }

  @Test
  void clusterHeaderTakesTheFirstValueAndAMissingHeaderIs404() {
    Route route = new Route("r", prefix("/"), new RouteAction.ToClusterHeader("x-cluster", RouteAction.ForwardOptions.NONE));
    var config = table(route);
    RouteDecision.Forward f = (RouteDecision.Forward) config.route(new TestRequest("h", "/").header("x-cluster", "b").header("x-cluster", "c"));
    assertThat(f.cluster()).isEqualTo("b");
    assertThat(f.clusterNotFoundStatus()).isEqualTo(404);
    RouteDecision.LocalReply missing = (RouteDecision.LocalReply) config.route(new TestRequest("h", "/"));
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.responseFlags()).isEqualTo("NC");
  }

  private static HeaderMutations add(String name, String value) {
    return new HeaderMutations(List.of(new HeaderValueOption(name, value, AppendAction.APPEND_IF_EXISTS_OR_ADD)), List.of(), List.of(), List.of());
  }

  /** Records edits on a copy of a request's headers. */
  static final class Recorded implements RequestEditor {
    final Map<String, List<String>> headers = new LinkedHashMap<>();
    String path;
    String authority;

    Recorded(TestRequest request) {
      this.path = request.path();
      this.authority = request.authority();
      request.all().forEach((k, v) -> headers.put(k, new ArrayList<>(v)));
    }

    @Override
    public List<String> values(String name) {
      return headers.getOrDefault(name, List.of());
    }

    @Override
    public void add(String name, String value) {
      headers.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
    }

    @Override
    public void set(String name, String value) {
      headers.put(name, new ArrayList<>(List.of(value)));
    }

    @Override
    public void remove(String name) {
      headers.remove(name);
    }

    @Override
    public void path(String rawPath) {
      path = rawPath;
    }

    @Override
    public void authority(String a) {
      authority = a;
    }
  }
}
