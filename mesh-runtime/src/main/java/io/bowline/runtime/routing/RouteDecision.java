package io.bowline.runtime.routing;

import io.bowline.api.config.Route;
import io.bowline.api.config.RouteAction;

/**
 * What routing decided for one request: forward to a cluster, or answer locally.
 *
 * <p>{@link Forward#cluster()} is picked per call (weighted clusters draw a fresh random number).
 */
public sealed interface RouteDecision {

  /** No virtual host or no route matched: Envoy's local 404 with response flag {@code NR}. */
  LocalReply NO_ROUTE = new LocalReply(404, "NR", "");

  static RouteDecision of(CompiledRoute r) {
    Route route = r.route();
    if (route.action() instanceof RouteAction.DirectResponse d) {
      return new LocalReply(d.status(), "", d.body());
    }
    return new Forward(route, r.pickCluster());
  }

  /**
   * Forward upstream.
   *
   * @param route the matched route
   * @param cluster the chosen cluster name
   */
  record Forward(Route route, String cluster) implements RouteDecision {}

  /**
   * Answer without an upstream call.
   *
   * @param status HTTP status
   * @param responseFlags Envoy response flags, e.g. {@code NR}, or {@code ""}
   * @param body response body
   */
  record LocalReply(int status, String responseFlags, String body) implements RouteDecision {}
}
