package io.bowline.runtime.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bowline.api.config.HeaderMatcher;
import io.bowline.api.config.PathMatcher;
import io.bowline.api.config.Route;
import io.bowline.api.config.RouteAction;
import io.bowline.api.config.RouteConfiguration;
import io.bowline.api.config.RouteMatch;
import io.bowline.api.config.StringMatcher;
import io.bowline.api.config.VirtualHost;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Envoy route-matching semantics (spec §1.1–§1.4), one row per rule. */
class RouteMatchingTest {

  private static Route route(String cluster, PathMatcher path, boolean caseSensitive, HeaderMatcher... headers) {
    return new Route("", new RouteMatch(path, caseSensitive, List.of(headers)), new RouteAction.ToCluster(cluster));
  }

  private static String clusterFor(CompiledRouteConfig config, TestRequest request) {
    RouteDecision d = config.route(request);
    return d instanceof RouteDecision.Forward f ? f.cluster() : "local:" + ((RouteDecision.LocalReply) d).responseFlags();
  }

  private static CompiledRouteConfig oneHost(Route... routes) {
    return new CompiledRouteConfig(new RouteConfiguration(
        "rc", List.of(new VirtualHost("vh", List.of("*"), List.of(routes))), false));
  }

  @ParameterizedTest(name = "authority {0} -> {1}")
  @CsvSource({
    "api.foo.com, exact",
    "API.Foo.com, exact",
    "x.foo.com, suffix-long",
    "x.bar.foo.com, suffix-long",
    "x.baz.com, suffix-short",
    "foo.baz.com, suffix-short",
    "bar-svc, prefix",
    "other, star",
    ".baz.com, star",
    "api.foo.com:80, star",
  })
  void virtualHostSelectionOrder(String authority, String expected) {
    CompiledRouteConfig config = new CompiledRouteConfig(new RouteConfiguration("rc", List.of(
        host("star", "*"),
        host("prefix", "bar-*"),
        host("suffix-short", "*.baz.com"),
        host("suffix-long", "*.foo.com"),
        host("exact", "api.foo.com")), false));
    assertThat(clusterFor(config, new TestRequest(authority, "/"))).isEqualTo(expected);
  }

  @Test
  void portIsPartOfTheMatchUnlessIgnored() {
    List<VirtualHost> hosts = List.of(host("plain", "reviews"), host("ported", "reviews:9080"));
    CompiledRouteConfig strict = new CompiledRouteConfig(new RouteConfiguration("rc", hosts, false));
    CompiledRouteConfig ignoring = new CompiledRouteConfig(new RouteConfiguration("rc", List.of(host("plain", "reviews")), true));
    assertThat(clusterFor(strict, new TestRequest("reviews:9080", "/"))).isEqualTo("ported");
    assertThat(clusterFor(strict, new TestRequest("reviews:8080", "/"))).isEqualTo("local:NR");
    assertThat(clusterFor(ignoring, new TestRequest("reviews:8080", "/"))).isEqualTo("plain");
  }

  @Test
  void duplicateDomainIsRejected() {
    assertThatThrownBy(() -> new CompiledRouteConfig(new RouteConfiguration(
            "rc", List.of(host("a", "x"), host("b", "X")), false)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'X'");
  }

  @ParameterizedTest(name = "{0} {1} on {2} -> {3}")
  @CsvSource({
    "prefix, /a, /a?x=1, true",
    "prefix, /a, /ab, true",
    "prefix, /a, /b, false",
    "prefix, '', /anything, true",
    "path, /a, /a?x=1, true",
    "path, /a, /a/, false",
    "regex, /a/[0-9]+, /a/12, true",
    "regex, /a/[0-9]+, /a/12/x, false",
    "regex, /a/[0-9]+, /a/12?q=x, true",
    "separated, /api/dev, /api/dev, true",
    "separated, /api/dev, /api/dev/, true",
    "separated, /api/dev, /api/dev/v1, true",
    "separated, /api/dev, /api/dev?x, true",
    "separated, /api/dev, /api/developer, false",
    "template, /videos/*/info, /videos/42/info, true",
    "template, /videos/*/info, /videos/42/43/info, false",
    "template, /videos/*/info, /videos//info, false",
    "template, /videos/**, /videos/a/b/c.mp4, true",
    "template, /videos/**, /videos, false",
    "template, /{lang}/docs/{page=**}, /en/docs/a/b?x=1, true",
    "template, /**.m3u8, /a/b/index.m3u8, true",
    "template, /**.m3u8, /a/b/index.mpd, false",
  })
  void pathSpecifiers(String kind, String value, String path, boolean matches) {
    PathMatcher m = switch (kind) {
      case "prefix" -> new PathMatcher.Prefix(value);
      case "path" -> new PathMatcher.Exact(value);
      case "regex" -> new PathMatcher.Regex(value);
      case "template" -> new PathMatcher.UriTemplate(value);
      default -> new PathMatcher.SeparatedPrefix(value);
    };
    CompiledRouteConfig config = oneHost(route("hit", m, true));
    assertThat(clusterFor(config, new TestRequest("h", path))).isEqualTo(matches ? "hit" : "local:NR");
  }

  @Test
  void caseSensitivityAppliesToPrefixAndPathButNotRegex() {
    assertThat(clusterFor(oneHost(route("hit", new PathMatcher.Prefix("/API"), false)), new TestRequest("h", "/api/x"))).isEqualTo("hit");
    assertThat(clusterFor(oneHost(route("hit", new PathMatcher.Prefix("/API"), true)), new TestRequest("h", "/api/x"))).isEqualTo("local:NR");
    assertThat(clusterFor(oneHost(route("hit", new PathMatcher.Exact("/API"), false)), new TestRequest("h", "/api"))).isEqualTo("hit");
    assertThat(clusterFor(oneHost(route("hit", new PathMatcher.Regex("/API"), false)), new TestRequest("h", "/api"))).isEqualTo("local:NR");
  }

  @Test
  void firstMatchingRouteWinsEvenIfALaterOneIsMoreSpecific() {
    CompiledRouteConfig config = oneHost(
        route("first", new PathMatcher.Prefix("/"), true),
        route("second", new PathMatcher.Exact("/reviews/0"), true));
    assertThat(clusterFor(config, new TestRequest("h", "/reviews/0"))).isEqualTo("first");
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @CsvSource({
    // description, matcher, header value ('<absent>' = no header), expected
    "exact, exact:jason, jason, true",
    "exact is case sensitive, exact:jason, Jason, false",
    "exact ignore case, iexact:jason, JASON, true",
    "prefix, prefix:ja, jason, true",
    "suffix, suffix:son, jason, true",
    "contains, contains:aso, jason, true",
    "regex full match, regex:j.*n, jason, true",
    "regex partial is a miss, regex:as, jason, false",
    "present, present, '', true",
    "present on absent, present, <absent>, false",
    "absent matcher, absent, <absent>, true",
    "inverted exact, !exact:jason, alice, true",
    "inverted exact on missing header does not match, !exact:jason, <absent>, false",
    "'inverted; missing treated as empty', !~exact:jason, <absent>, true",
    "multi-value joined with comma, 'exact:a,b', a|b, true",
    "inverted present on absent, !present, <absent>, true",
    "inverted absent on empty value, !absent, '', true",
    "range start is included, range:10..20, 10, true",
    "range end is excluded, range:10..20, 20, false",
    "range negative, range:-5..0, -3, true",
    "range with explicit sign, range:10..20, +15, true",
    "range needs the whole value to be an integer, range:10..20, 15abc, false",
    "range on a non-number, range:10..20, abc, false",
    "range on missing header, range:10..20, <absent>, false",
    "inverted range, !range:10..20, 25, true",
  })
  void headerMatchers(String description, String spec, String value, boolean expected) {
    HeaderMatcher m = headerMatcher(spec);
    TestRequest request = new TestRequest("h", "/");
    if (!value.equals("<absent>")) {
      for (String v : value.split("\\|", -1)) {
        request.header("x-user", v);
      }
    }
    CompiledRouteConfig config = oneHost(route("hit", new PathMatcher.Prefix(""), true, m));
    assertThat(clusterFor(config, request)).as(description).isEqualTo(expected ? "hit" : "local:NR");
  }

  @Test
  void pseudoHeadersAreMatchable() {
    HeaderMatcher method = HeaderMatcher.of(":method", new StringMatcher(StringMatcher.Kind.EXACT, "GET", false));
    HeaderMatcher authority = HeaderMatcher.of(":authority", new StringMatcher(StringMatcher.Kind.PREFIX, "rev", false));
    CompiledRouteConfig config = oneHost(route("hit", new PathMatcher.Prefix(""), true, method, authority));
    assertThat(clusterFor(config, new TestRequest("reviews:9080", "/"))).isEqualTo("hit");
    assertThat(clusterFor(config, new TestRequest("ratings:9080", "/"))).isEqualTo("local:NR");
  }

  private static HeaderMatcher headerMatcher(String spec) {
    switch (spec) {
      case "present":
        return HeaderMatcher.present("x-user", true);
      case "absent":
        return HeaderMatcher.present("x-user", false);
      case "!present":
        return new HeaderMatcher("x-user", null, true, true, false);
      case "!absent":
        return new HeaderMatcher("x-user", null, false, true, false);
      default:
        if (spec.replace("!", "").startsWith("range:")) {
          String[] bounds = spec.substring(spec.indexOf(':') + 1).split("\\.\\.");
          return new HeaderMatcher("x-user", null, null, spec.startsWith("!"), false,
              new io.bowline.api.config.Int64Range(Long.parseLong(bounds[0]), Long.parseLong(bounds[1])));
        }
        boolean invert = spec.startsWith("!");
        String s = invert ? spec.substring(1) : spec;
        boolean missingAsEmpty = s.startsWith("~");
        s = missingAsEmpty ? s.substring(1) : s;
        String kind = s.substring(0, s.indexOf(':'));
        String value = s.substring(s.indexOf(':') + 1);
        boolean ignoreCase = kind.startsWith("i");
        StringMatcher.Kind k = StringMatcher.Kind.valueOf((ignoreCase ? kind.substring(1) : kind).toUpperCase());
        return new HeaderMatcher("x-user", new StringMatcher(k, value, ignoreCase), null, invert, missingAsEmpty);
    }
  }

  private static VirtualHost host(String cluster, String domain) {
    return new VirtualHost(cluster, List.of(domain), List.of(route(cluster, new PathMatcher.Prefix(""), true)));
  }
}
