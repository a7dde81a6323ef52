package io.bowline.runtime.routing;

import io.bowline.api.MeshRequest;
import io.bowline.api.config.HeaderMatcher;
import io.bowline.api.config.Route;
import io.bowline.api.config.RouteAction;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/** One Envoy {@code Route}, compiled: its matchers and its (pre-summed) cluster choice. */
final class CompiledRoute {
  private final Route route;
  private final PathMatch path;
  private final HeaderMatch[] headers;
  private final String cluster;
  private final String[] weightedNames;
  private final long[] cumulativeWeights;

  CompiledRoute(Route route) {
    this.route = route;
    this.path = PathMatch.compile(route.match().path(), route.match().caseSensitive());
    List<HeaderMatcher> hs = route.match().headers();
    this.headers = hs.stream().map(HeaderMatch::new).toArray(HeaderMatch[]::new);
    if (route.action() instanceof RouteAction.ToCluster c) {
      this.cluster = c.cluster();
      this.weightedNames = null;
      this.cumulativeWeights = null;
    } else if (route.action() instanceof RouteAction.ToWeightedClusters w) {
      this.cluster = null;
      this.weightedNames = new String[w.clusters().size()];
      this.cumulativeWeights = new long[w.clusters().size()];
      long sum = 0;
      for (int i = 0; i < weightedNames.length; i++) {
        RouteAction.ClusterWeight cw = w.clusters().get(i);
        sum += cw.weight();
        weightedNames[i] = cw.name();
        cumulativeWeights[i] = sum;
      }
    } else {
      this.cluster = null;
      this.weightedNames = null;
      this.cumulativeWeights = null;
    }
  }

  boolean matches(MeshRequest request) {
    if (!path.matches(request.path())) {
      return false;
    }
    for (HeaderMatch h : headers) {
      if (!h.matches(request)) {
        return false;
      }
    }
    return true;
  }

  Route route() {
    return route;
  }

  /**
   * The cluster this request goes to: the one cluster, or a weighted pick (draw r in [0, total),
   * first cluster whose running sum exceeds r), or {@code null} for a non-forwarding action.
   */
  String pickCluster() {
    if (cluster != null || weightedNames == null) {
      return cluster;
    }
    long r = ThreadLocalRandom.current().nextLong(cumulativeWeights[cumulativeWeights.length - 1]);
    for (int i = 0; i < cumulativeWeights.length; i++) {
      if (r < cumulativeWeights[i]) {
        return weightedNames[i];
      }
    }
    return weightedNames[weightedNames.length - 1];
  }
}
