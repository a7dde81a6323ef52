package io.bowline.runtime.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.api.config.PathMatcher;
import io.bowline.api.config.Route;
import io.bowline.api.config.RouteAction;
import io.bowline.api.config.RouteConfiguration;
import io.bowline.api.config.RouteMatch;
import io.bowline.api.config.VirtualHost;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Benchmark P2's steady state, pinned: deciding a route (exact, prefix, RE2 regex with and without
 * a query, URI template, weighted catch-all) allocates nothing once warm. Measured with the JVM's
 * per-thread allocation counter, so it holds in the interpreter as well as after JIT compilation.
 */
class RouteDecisionAllocationTest {
  private static final int CALLS = 20_000;

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"/exact7/item", "/prefix3/a/b", "/regex5/12345/detail", "/regex5/12345/detail?x=1",
      "/users/42/files/a/b", "/nothing/matches"})
  void steadyStateDecisionAllocatesNothing(String path) {
    CompiledRouteConfig config = table();
    TestRequest request = new TestRequest("svc", path);
    assertThat(config.route(request)).isInstanceOf(RouteDecision.Forward.class);
    for (int i = 0; i < CALLS; i++) {
      config.route(request);
    }
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long before = threads.getCurrentThreadAllocatedBytes();
    for (int i = 0; i < CALLS; i++) {
      config.route(request);
    }
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    assertThat(allocated).as("bytes allocated by %d decisions", CALLS).isLessThan(CALLS / 10);
  }

  private static CompiledRouteConfig table() {
    List<Route> routes = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      routes.add(route("e" + i, new PathMatcher.Exact("/exact" + i + "/item")));
      routes.add(route("p" + i, new PathMatcher.Prefix("/prefix" + i + "/")));
      routes.add(route("r" + i, new PathMatcher.Regex("/regex" + i + "/[0-9]+/detail")));
    }
    routes.add(route("t", new PathMatcher.UriTemplate("/users/{id}/files/{path=**}")));
    routes.add(new Route("catch-all", new RouteMatch(new PathMatcher.Prefix("/"), true, List.of()),
        new RouteAction.ToWeightedClusters(List.of(new RouteAction.ClusterWeight("v1", 90),
            new RouteAction.ClusterWeight("v2", 10)))));
    return new CompiledRouteConfig(new RouteConfiguration("rc", List.of(new VirtualHost("svc", List.of("svc"), routes)), false));
  }

  private static Route route(String name, PathMatcher path) {
    return new Route(name, new RouteMatch(path, true, List.of()), new RouteAction.ToCluster("c-" + name));
  }
}
