package io.bowline.runtime.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.api.config.HeaderMatcher;
import io.bowline.api.config.HeaderMutations;
import io.bowline.api.config.PathMatcher;
import io.bowline.api.config.Route;
import io.bowline.api.config.RouteAction;
import io.bowline.api.config.RouteConfiguration;
import io.bowline.api.config.RouteMatch;
import io.bowline.api.config.StringMatcher;
import io.bowline.api.config.VirtualHost;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The path index keeps Envoy's first-match order: it agrees with a linear scan on random tables. */
class RouteTableTest {
  private static final String[] SEGMENTS = {"a", "b", "api", "API", "v1", "x"};

  @Test
  void indexedLookupEqualsLinearFirstMatch() {
    Random random = new Random(42);
    for (int table = 0; table < 200; table++) {
      List<Route> routes = new ArrayList<>();
      int n = 1 + random.nextInt(40);
      for (int i = 0; i < n; i++) {
        routes.add(randomRoute(random, "r" + i));
      }
      CompiledRouteConfig config = new CompiledRouteConfig(new RouteConfiguration("rc",
          List.of(new VirtualHost("vh", List.of("*"), routes)), false));
      List<CompiledRoute> linear = routes.stream()
          .map(r -> new CompiledRoute(r, HeaderMutations.NONE, HeaderMutations.NONE, false)).toList();
      for (int q = 0; q < 100; q++) {
        TestRequest request = new TestRequest("h", randomPath(random));
        if (random.nextBoolean()) {
          request.header("x-v", random.nextBoolean() ? "1" : "2");
        }
        String expected = linear.stream().filter(r -> r.matches(request)).findFirst()
            .map(r -> ((RouteAction.ToCluster) r.route().action()).cluster()).orElse("NR");
        RouteDecision d = config.route(request);
        String actual = d instanceof RouteDecision.Forward f ? f.cluster() : "NR";
        assertThat(actual).as("table %d, %s", table, request.path()).isEqualTo(expected);
      }
    }
  }

  @ParameterizedTest(name = "literal prefix of {0} = ''{1}''")
  @CsvSource({
    "/api/v1/[0-9]+, /api/v1/",
    "/api/v1?, /api/v",
    "/a|/b, ''",
    "(?i)/api/, ''",
    "/api\\.v1/x, /api",
    "/ab+/c, /a",
  })
  void regexLiteralPrefix(String regex, String expected) {
    assertThat(RouteTable.literalPrefix(regex)).isEqualTo(expected);
  }

  private static Route randomRoute(Random random, String name) {
    String path = randomPath(random);
    String noQuery = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
    PathMatcher m;
    switch (random.nextInt(5)) {
      case 0:
        m = new PathMatcher.Exact(noQuery);
        break;
      case 1:
        m = new PathMatcher.Prefix(path.substring(0, 1 + random.nextInt(path.length())));
        break;
      case 2:
        m = noQuery.length() > 1 && !noQuery.endsWith("/")
            ? new PathMatcher.SeparatedPrefix(noQuery) : new PathMatcher.Prefix("/");
        break;
      case 3:
        m = new PathMatcher.Regex(noQuery.replace("v1", "v[0-9]") + (random.nextBoolean() ? ".*" : ""));
        break;
      default:
        m = new PathMatcher.Prefix(random.nextBoolean() ? "/" : "");
    }
    List<HeaderMatcher> headers = random.nextInt(4) == 0
        ? List.of(HeaderMatcher.of("x-v", new StringMatcher(StringMatcher.Kind.EXACT, "1", false)))
        : List.of();
    return new Route(name, new RouteMatch(m, random.nextInt(5) != 0, headers), new RouteAction.ToCluster(name));
  }

  private static String randomPath(Random random) {
    StringBuilder sb = new StringBuilder();
    int segments = random.nextInt(4);
    for (int i = 0; i < segments; i++) {
      sb.append('/').append(SEGMENTS[random.nextInt(SEGMENTS.length)]);
    }
    if (sb.length() == 0 || random.nextInt(4) == 0) {
      sb.append('/');
    }
    if (random.nextInt(4) == 0) {
      sb.append("?q=").append(random.nextInt(3));
    }
    return sb.toString();
  }
}
