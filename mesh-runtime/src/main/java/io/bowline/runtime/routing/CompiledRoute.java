package io.bowline.runtime.routing;

import io.bowline.api.MeshRequest;
import io.bowline.api.config.FractionalPercent;
import io.bowline.api.config.HeaderMutations;
import io.bowline.api.config.Route;
import io.bowline.api.config.RouteAction;
import io.bowline.api.config.RouteMatch;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One Envoy {@code Route}, compiled: its matchers (path, headers, query parameters, {@code grpc},
 * {@code runtime_fraction}) and its decisions, built once so that routing a request allocates
 * nothing for a plain or weighted cluster.
 */
final class CompiledRoute {
  private final Route route;
  private final PathMatch path;
  private final HeaderMatch[] headers;
  private final QueryParameterMatch[] query;
  private final boolean grpc;
  private final long fractionNumerator;
  private final long fractionDenominator;
  private final RouteDecision single;
  private final RouteDecision.Forward[] weighted;
  /** Per weighted entry: its {@code cluster_header} (then {@code weighted[i]} is null), else null. */
  private final String[] weightedClusterHeaders;
  private final RequestMutation[] weightedHeaderMutations;
  private final long[] cumulativeWeights;
  private final String clusterHeader;
  private final RequestMutation clusterHeaderMutation;
  private final RouteAction.Redirect redirect;
  private final PathRewriter redirectRewrite;

  CompiledRoute(Route route, HeaderMutations virtualHost, HeaderMutations routeConfig, boolean mostSpecificWins) {
    this.route = route;
    RouteMatch m = route.match();
    this.path = PathMatch.compile(m.path(), m.caseSensitive());
    this.headers = m.headers().stream().map(HeaderMatch::new).toArray(HeaderMatch[]::new);
    this.query = m.queryParameters().stream().map(QueryParameterMatch::new).toArray(QueryParameterMatch[]::new);
    this.grpc = m.grpc();
    FractionalPercent f = m.runtimeFraction();
    this.fractionNumerator = f == null ? 1 : f.numerator();
    this.fractionDenominator = f == null ? 1 : f.denominator();
    RouteAction action = route.action();
    RouteDecision single = null;
    RouteDecision.Forward[] weighted = null;
    String[] weightedHeaders = null;
    RequestMutation[] weightedHeaderMutations = null;
    long[] cumulative = null;
    String clusterHeader = null;
    RequestMutation clusterHeaderMutation = null;
    RouteAction.Redirect redirect = null;
    if (action instanceof RouteAction.ToCluster c) {
      single = forward(c.cluster(), c.options(), null, virtualHost, routeConfig, mostSpecificWins);
    } else if (action instanceof RouteAction.ToWeightedClusters w) {
      weighted = new RouteDecision.Forward[w.clusters().size()];
      weightedHeaders = new String[weighted.length];
      weightedHeaderMutations = new RequestMutation[weighted.length];
      cumulative = new long[weighted.length];
      long sum = 0;
      for (int i = 0; i < weighted.length; i++) {
        RouteAction.ClusterWeight cw = w.clusters().get(i);
        sum += cw.weight();
        if (cw.clusterHeader() != null) {
          weightedHeaders[i] = cw.clusterHeader();
          weightedHeaderMutations[i] = mutation(w.options(), cw, virtualHost, routeConfig, mostSpecificWins);
        } else {
          weighted[i] = forward(cw.name(), w.options(), cw, virtualHost, routeConfig, mostSpecificWins);
        }
        cumulative[i] = sum;
      }
    } else if (action instanceof RouteAction.ToClusterHeader h) {
      clusterHeader = h.header();
      clusterHeaderMutation = mutation(h.options(), null, virtualHost, routeConfig, mostSpecificWins);
    } else if (action instanceof RouteAction.DirectResponse d) {
      single = new RouteDecision.LocalReply(d.status(), "", d.body());
    } else if (action instanceof RouteAction.Redirect r) {
      redirect = r;
    }
    this.single = single;
    this.weighted = weighted;
    this.weightedClusterHeaders = weightedHeaders;
    this.weightedHeaderMutations = weightedHeaderMutations;
    this.cumulativeWeights = cumulative;
    this.clusterHeader = clusterHeader;
    this.clusterHeaderMutation = clusterHeaderMutation;
    this.redirect = redirect;
    this.redirectRewrite = redirect == null ? null : PathRewriter.compile(redirect.rewrite(), m.path());
  }

  private RouteDecision.Forward forward(
      String cluster, RouteAction.ForwardOptions options, RouteAction.ClusterWeight cw,
      HeaderMutations virtualHost, HeaderMutations routeConfig, boolean mostSpecificWins) {
    return new RouteDecision.Forward(route, cluster,
        mutation(options, cw, virtualHost, routeConfig, mostSpecificWins),
        options, options.clusterNotFoundResponseCode());
  }

  private RequestMutation mutation(
      RouteAction.ForwardOptions options, RouteAction.ClusterWeight cw,
      HeaderMutations virtualHost, HeaderMutations routeConfig, boolean mostSpecificWins) {
    List<HeaderMutations> levels = new ArrayList<>(4);
    if (cw != null) {
      levels.add(cw.headers());
    }
    levels.add(route.headers());
    levels.add(virtualHost);
    levels.add(routeConfig);
    if (mostSpecificWins) {
      java.util.Collections.reverse(levels);
    }
    // auto_host_rewrite acts per attempt, after the weighted cluster's literal (Envoy's order)
    // (append_x_forwarded_host is the route's: it covers the route's rewrites, not the weighted cluster's literal)
    boolean auto = options.hostRewrite() instanceof RouteAction.HostRewrite.Auto;
    boolean routeRewrite = options.hostRewriteLiteral() != null || (options.hostRewrite() != null && !auto);
    HostRewriter host = routeRewrite
        ? HostRewriter.compile(options.hostRewriteLiteral(), options.hostRewrite())
        : HostRewriter.compile(cw != null ? cw.hostRewriteLiteral() : null, null);
    return RequestMutation.of(PathRewriter.compile(options.pathRewrite(), route.match().path()), host, auto,
        options.appendXForwardedHost() && (routeRewrite || auto), levels);
  }

  boolean matches(MeshRequest request) {
    String p = request.path();
    return path.matches(p) && matchesBesidesPath(request, p);
  }

  /**
   * As {@link #matches(MeshRequest)}, given where the path's query starts
   * ({@link PathRewriter#pathLength}) and how many leading characters are known to equal the path
   * specifier's own literal start ({@link PathMatch#matches(String, int, int)}).
   */
  boolean matches(MeshRequest request, String rawPath, int pathEnd, int known) {
    return path.matches(rawPath, pathEnd, known) && matchesBesidesPath(request, rawPath);
  }

  /** Everything but the path specifier. */
  private boolean matchesBesidesPath(MeshRequest request, String p) {
    for (HeaderMatch h : headers) {
      if (!h.matches(request)) {
        return false;
      }
    }
    for (QueryParameterMatch q : query) {
      if (!q.matches(p)) {
        return false;
      }
    }
    if (grpc && !isGrpc(request.header("content-type"))) {
      return false;
    }
    return fractionNumerator >= fractionDenominator
        || ThreadLocalRandom.current().nextLong(fractionDenominator) < fractionNumerator;
  }

  /** {@code application/grpc} or {@code application/grpc+...}. */
  static boolean isGrpc(String contentType) {
    if (contentType == null || !contentType.regionMatches(true, 0, "application/grpc", 0, 16)) {
      return false;
    }
    return contentType.length() == 16 || contentType.charAt(16) == '+';
  }

  Route route() {
    return route;
  }

  /** The decision for a request this route matched. */
  RouteDecision decide(MeshRequest request) {
    if (single != null) {
      return single;
    }
    if (weighted != null) {
      int i = pickWeighted();
      return weighted[i] != null ? weighted[i] : fromHeader(request, weightedClusterHeaders[i], weightedHeaderMutations[i]);
    }
    if (clusterHeader != null) {
      return fromHeader(request, clusterHeader, clusterHeaderMutation);
    }
    return Redirects.reply(redirect, redirectRewrite, request);
  }

  /**
   * {@code cluster_header}: the cluster is the first value of the header; a missing header is 404
   * {@code NC}, and so (through the 404 code) is a cluster that does not exist.
   */
  private RouteDecision fromHeader(MeshRequest request, String header, RequestMutation mutation) {
    String name = request.header(header);
    if (name == null || name.isEmpty()) {
      return RouteDecision.CLUSTER_HEADER_MISSING;
    }
    int comma = name.indexOf(',');
    String first = comma < 0 ? name : name.substring(0, comma);
    return new RouteDecision.Forward(route, first, mutation, ((RouteAction.Forwarding) route.action()).options(), 404);
  }

  /** Draw r in [0, total); the index of the first cluster whose running sum exceeds r. Weight 0 never wins. */
  private int pickWeighted() {
    long r = ThreadLocalRandom.current().nextLong(cumulativeWeights[cumulativeWeights.length - 1]);
    for (int i = 0; i < cumulativeWeights.length; i++) {
      if (r < cumulativeWeights[i]) {
        return i;
      }
    }
    return cumulativeWeights.length - 1;
  }
}
