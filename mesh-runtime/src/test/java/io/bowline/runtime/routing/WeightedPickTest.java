package io.bowline.runtime.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.api.config.PathMatcher;
import io.bowline.api.config.Route;
import io.bowline.api.config.RouteAction;
import io.bowline.api.config.RouteConfiguration;
import io.bowline.api.config.RouteMatch;
import io.bowline.api.config.VirtualHost;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** weighted_clusters: relative weights, weight 0 never picked (spec §2). */
class WeightedPickTest {

  @Test
  void relativeWeightsWithinBinomialToleranceAndZeroNeverPicked() {
    RouteAction action = new RouteAction.ToWeightedClusters(List.of(
        new RouteAction.ClusterWeight("a", 1),
        new RouteAction.ClusterWeight("never", 0),
        new RouteAction.ClusterWeight("b", 3)));
    CompiledRouteConfig config = new CompiledRouteConfig(new RouteConfiguration("rc", List.of(
        new VirtualHost("vh", List.of("*"), List.of(
            new Route("", new RouteMatch(new PathMatcher.Prefix(""), true, List.of()), action)))), false));
    int n = 40_000;
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < n; i++) {
      RouteDecision.Forward f = (RouteDecision.Forward) config.route(new TestRequest("x", "/"));
      counts.merge(f.cluster(), 1, Integer::sum);
    }
    assertThat(counts).doesNotContainKey("never");
    double share = counts.get("b") / (double) n;
    double sd = Math.sqrt(0.75 * 0.25 / n);
    assertThat(share).isBetween(0.75 - 4.5 * sd, 0.75 + 4.5 * sd);
  }
}
