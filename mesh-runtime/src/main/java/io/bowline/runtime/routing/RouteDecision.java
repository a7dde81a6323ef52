package io.bowline.runtime.routing;

import io.bowline.api.config.Route;
import io.bowline.api.config.RouteAction;
import java.util.Map;
import java.util.Objects;

/**
 * What routing decided for one request: forward to a cluster, or answer locally.
 *
 * <p>For weighted clusters {@link Forward} is picked per call (a fresh random draw).
 */
public sealed interface RouteDecision {

  /** No virtual host or no route matched: Envoy's local 404 with response flag {@code NR}. */
  LocalReply NO_ROUTE = new LocalReply(404, "NR", "");

  /** {@code cluster_header} named no cluster (header missing): 404, flag {@code NC}. */
  LocalReply CLUSTER_HEADER_MISSING = new LocalReply(404, "NC", "");

  /**
   * Forward upstream.
   *
   * @param route the matched route
   * @param cluster the chosen cluster name
   * @param mutation rewrites and header edits for this route and cluster
   * @param options the route action's options (hash policies for consistent-hash balancers)
   * @param clusterNotFoundStatus the status when {@code cluster} is unknown: the route's
   *     {@code cluster_not_found_response_code} (503 by default), 404 for {@code cluster_header}
   */
  record Forward(
      Route route, String cluster, RequestMutation mutation, RouteAction.ForwardOptions options, int clusterNotFoundStatus)
      implements RouteDecision {
    public Forward {
      Objects.requireNonNull(cluster, "cluster");
      Objects.requireNonNull(mutation, "mutation");
      Objects.requireNonNull(options, "options");
    }
  }

  /**
   * Answer without an upstream call.
   *
   * @param status HTTP status
   * @param responseFlags Envoy response flags, e.g. {@code NR}, or {@code ""}
   * @param body response body
   * @param headers response headers (e.g. {@code location} of a redirect), lower-case names
   */
  record LocalReply(int status, String responseFlags, String body, Map<String, String> headers)
      implements RouteDecision {
    public LocalReply {
      headers = Map.copyOf(headers);
    }

    /** A reply without headers. */
    public LocalReply(int status, String responseFlags, String body) {
      this(status, responseFlags, body, Map.of());
    }
  }
}
