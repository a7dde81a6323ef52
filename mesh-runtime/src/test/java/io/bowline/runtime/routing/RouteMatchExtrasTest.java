package io.bowline.runtime.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.api.config.FractionalPercent;
import io.bowline.api.config.PathMatcher;
import io.bowline.api.config.QueryParameterMatcher;
import io.bowline.api.config.Route;
import io.bowline.api.config.RouteAction;
import io.bowline.api.config.RouteConfiguration;
import io.bowline.api.config.RouteMatch;
import io.bowline.api.config.StringMatcher;
import io.bowline.api.config.VirtualHost;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Spec §1.3: query_parameters, grpc and runtime_fraction. */
class RouteMatchExtrasTest {

  private static CompiledRouteConfig table(RouteMatch match) {
    Route hit = new Route("hit", match, new RouteAction.ToCluster("hit"));
    return new CompiledRouteConfig(new RouteConfiguration("rc", List.of(new VirtualHost("vh", List.of("*"), List.of(hit))), false));
  }

  private static boolean matches(CompiledRouteConfig config, TestRequest request) {
    return config.route(request) instanceof RouteDecision.Forward;
  }

  @ParameterizedTest(name = "{0}: {1} on {2} -> {3}")
  @CsvSource(delimiter = '|', value = {
    "exact|user=alice|/p?user=alice|true",
    "exact, other value|user=alice|/p?user=bob|false",
    "only the first value counts|user=alice|/p?user=bob&user=alice|false",
    "first value wins|user=alice|/p?user=alice&user=bob|true",
    "values compared URL-encoded|user=a%20b|/p?user=a%20b|true",
    "encoded is not decoded|user=a b|/p?user=a%20b|false",
    "no query|user=alice|/p|false",
    "present|user|/p?user|true",
    "present with empty value|user|/p?user=|true",
    "present, other key|user|/p?username=x|false",
    "regex|user~[a-z]+|/p?x=1&user=abc|true",
    "regex full match|user~[a-z]+|/p?user=abc1|false",
  })
  void queryParameters(String description, String spec, String path, boolean expected) {
    QueryParameterMatcher m;
    if (spec.contains("=")) {
      String[] kv = spec.split("=", 2);
      m = new QueryParameterMatcher(kv[0], new StringMatcher(StringMatcher.Kind.EXACT, kv[1], false), false);
    } else if (spec.contains("~")) {
      String[] kv = spec.split("~", 2);
      m = new QueryParameterMatcher(kv[0], new StringMatcher(StringMatcher.Kind.REGEX, kv[1], false), false);
    } else {
      m = new QueryParameterMatcher(spec, null, true);
    }
    var config = table(new RouteMatch(new PathMatcher.Prefix("/"), true, List.of(), List.of(m), null, false));
    assertThat(matches(config, new TestRequest("h", path))).as(description).isEqualTo(expected);
  }

  @ParameterizedTest(name = "content-type {0} -> {1}")
  @CsvSource({
    "application/grpc, true",
    "application/grpc+proto, true",
    "Application/GRPC, true",
    "application/grpc-web, false",
    "application/json, false",
    "<absent>, false",
  })
  void grpcMatcher(String contentType, boolean expected) {
    var config = table(new RouteMatch(new PathMatcher.Prefix("/"), true, List.of(), List.of(), null, true));
    TestRequest request = new TestRequest("h", "/pkg.Svc/Method");
    if (!contentType.equals("<absent>")) {
      request.header("content-type", contentType);
    }
    assertThat(matches(config, request)).isEqualTo(expected);
  }

  @Test
  void runtimeFractionIsAFreshDrawEachTime() {
    var config = table(new RouteMatch(new PathMatcher.Prefix("/"), true, List.of(), List.of(),
        new FractionalPercent(2_500, 10_000), false));
    int n = 20_000;
    int hits = 0;
    for (int i = 0; i < n; i++) {
      hits += matches(config, new TestRequest("h", "/")) ? 1 : 0;
    }
    double sd = Math.sqrt(0.25 * 0.75 / n);
    assertThat(hits / (double) n).isBetween(0.25 - 4.5 * sd, 0.25 + 4.5 * sd);
  }

  @Test
  void runtimeFractionZeroNeverAndFullAlwaysMatches() {
    var never = table(new RouteMatch(new PathMatcher.Prefix("/"), true, List.of(), List.of(), new FractionalPercent(0, 100), false));
    var always = table(new RouteMatch(new PathMatcher.Prefix("/"), true, List.of(), List.of(), new FractionalPercent(100, 100), false));
    for (int i = 0; i < 1_000; i++) {
      assertThat(matches(never, new TestRequest("h", "/"))).isFalse();
      assertThat(matches(always, new TestRequest("h", "/"))).isTrue();
    }
  }
}
