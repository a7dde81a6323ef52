package io.bowline.runtime.xds.resource;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import io.bowline.api.config.HeaderMatcher;
import io.bowline.api.config.PathMatcher;
import io.bowline.api.config.Route;
import io.bowline.api.config.RouteAction;
import io.bowline.api.config.RouteMatch;
import io.bowline.api.config.StringMatcher;
import io.bowline.api.config.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import java.util.ArrayList;
import java.util.List;

/**
 * Converts Envoy route protos ({@code VirtualHost}, {@code Route}, {@code RouteMatch},
 * {@code HeaderMatcher}, {@code RouteAction}) into the model. Fields that would change where a
 * request goes and that the runtime does not implement yet are rejected, never silently ignored.
 */
final class RouteParser {
  private RouteParser() {}

  static VirtualHost virtualHost(io.envoyproxy.envoy.config.route.v3.VirtualHost vh, String at)
      throws ResourceException {
    if (vh.getDomainsCount() == 0) {
      throw new ResourceException(at + ".domains", "must not be empty");
    }
    List<Route> routes = new ArrayList<>();
    for (int i = 0; i < vh.getRoutesCount(); i++) {
      Route r = route(vh.getRoutes(i), at + ".routes[" + i + "]");
      if (r != null) {
        routes.add(RoutePoliciesParser.inherit(r, vh, at));
      }
    }
    return new VirtualHost(vh.getName(), vh.getDomainsList(), routes);
  }

  /** The route, or {@code null} for a route that can never match in a client (server-only matchers). */
  static Route route(io.envoyproxy.envoy.config.route.v3.Route r, String at) throws ResourceException {
    io.envoyproxy.envoy.config.route.v3.RouteMatch m = r.getMatch();
    if (m.hasTlsContext() || m.getDynamicMetadataCount() > 0 || m.getFilterStateCount() > 0) {
      return null;
    }
    RouteMatch match = match(m, at + ".match");
    RouteAction action = action(r, at);
    return new Route(r.getName(), match, action, RoutePoliciesParser.parse(r, at));
  }

  private static RouteMatch match(io.envoyproxy.envoy.config.route.v3.RouteMatch m, String at)
      throws ResourceException {
    PathMatcher path;
    switch (m.getPathSpecifierCase()) {
      case PREFIX:
        path = new PathMatcher.Prefix(m.getPrefix());
        break;
      case PATH:
        path = new PathMatcher.Exact(m.getPath());
        break;
      case SAFE_REGEX:
        path = new PathMatcher.Regex(regex(m.getSafeRegex().getRegex(), at + ".safe_regex.regex"));
        break;
      case PATH_SEPARATED_PREFIX:
        String p = m.getPathSeparatedPrefix();
        if (!p.matches("[^?#]+[^?#/]")) {
          throw new ResourceException(at + ".path_separated_prefix", "must match ^[^?#]+[^?#/]$, was '" + p + "'");
        }
        path = new PathMatcher.SeparatedPrefix(p);
        break;
      default:
        throw new ResourceException(at + ".path_specifier", "unsupported: " + m.getPathSpecifierCase());
    }
    if (m.getQueryParametersCount() > 0) {
      throw new ResourceException(at + ".query_parameters", "not supported yet");
    }
    if (m.hasRuntimeFraction()) {
      throw new ResourceException(at + ".runtime_fraction", "not supported yet");
    }
    if (m.hasGrpc()) {
      throw new ResourceException(at + ".grpc", "not supported yet");
    }
    List<HeaderMatcher> headers = new ArrayList<>();
    for (int i = 0; i < m.getHeadersCount(); i++) {
      headers.add(header(m.getHeaders(i), at + ".headers[" + i + "]"));
    }
    boolean caseSensitive = !m.hasCaseSensitive() || m.getCaseSensitive().getValue();
    return new RouteMatch(path, caseSensitive, headers);
  }

  static HeaderMatcher header(io.envoyproxy.envoy.config.route.v3.HeaderMatcher h, String at)
      throws ResourceException {
    if (h.getName().isEmpty()) {
      throw new ResourceException(at + ".name", "must not be empty");
    }
    StringMatcher value;
    switch (h.getHeaderMatchSpecifierCase()) {
      case HEADERMATCHSPECIFIER_NOT_SET:
        return new HeaderMatcher(h.getName(), null, true, h.getInvertMatch(), false);
      case PRESENT_MATCH:
        return new HeaderMatcher(h.getName(), null, h.getPresentMatch(), h.getInvertMatch(), false);
      case EXACT_MATCH:
        value = new StringMatcher(StringMatcher.Kind.EXACT, h.getExactMatch(), false);
        break;
      case PREFIX_MATCH:
        value = nonEmpty(StringMatcher.Kind.PREFIX, h.getPrefixMatch(), at + ".prefix_match");
        break;
      case SUFFIX_MATCH:
        value = nonEmpty(StringMatcher.Kind.SUFFIX, h.getSuffixMatch(), at + ".suffix_match");
        break;
      case CONTAINS_MATCH:
        value = nonEmpty(StringMatcher.Kind.CONTAINS, h.getContainsMatch(), at + ".contains_match");
        break;
      case SAFE_REGEX_MATCH:
        value = new StringMatcher(
            StringMatcher.Kind.REGEX, regex(h.getSafeRegexMatch().getRegex(), at + ".safe_regex_match.regex"), false);
        break;
      case STRING_MATCH:
        value = stringMatcher(h.getStringMatch(), at + ".string_match");
        break;
      default:
        throw new ResourceException(at + "." + h.getHeaderMatchSpecifierCase().name().toLowerCase(), "not supported yet");
    }
    return new HeaderMatcher(h.getName(), value, null, h.getInvertMatch(), h.getTreatMissingHeaderAsEmpty());
  }

  static StringMatcher stringMatcher(io.envoyproxy.envoy.type.matcher.v3.StringMatcher s, String at)
      throws ResourceException {
    boolean ic = s.getIgnoreCase();
    switch (s.getMatchPatternCase()) {
      case EXACT:
        return new StringMatcher(StringMatcher.Kind.EXACT, s.getExact(), ic);
      case PREFIX:
        return withCase(nonEmpty(StringMatcher.Kind.PREFIX, s.getPrefix(), at + ".prefix"), ic);
      case SUFFIX:
        return withCase(nonEmpty(StringMatcher.Kind.SUFFIX, s.getSuffix(), at + ".suffix"), ic);
      case CONTAINS:
        return withCase(nonEmpty(StringMatcher.Kind.CONTAINS, s.getContains(), at + ".contains"), ic);
      case SAFE_REGEX:
        return new StringMatcher(StringMatcher.Kind.REGEX, regex(s.getSafeRegex().getRegex(), at + ".safe_regex.regex"), false);
      default:
        throw new ResourceException(at, "unsupported match pattern: " + s.getMatchPatternCase());
    }
  }

  private static StringMatcher withCase(StringMatcher m, boolean ignoreCase) {
    return new StringMatcher(m.kind(), m.value(), ignoreCase);
  }

  private static StringMatcher nonEmpty(StringMatcher.Kind kind, String value, String at)
      throws ResourceException {
    if (value.isEmpty()) {
      throw new ResourceException(at, "must not be empty");
    }
    return new StringMatcher(kind, value, false);
  }

  private static String regex(String regex, String at) throws ResourceException {
    try {
      Pattern.compile(regex);
      return regex;
    } catch (PatternSyntaxException e) {
      throw new ResourceException(at, "invalid RE2 regex '" + regex + "': " + e.getDescription());
    }
  }

  private static RouteAction action(io.envoyproxy.envoy.config.route.v3.Route r, String at)
      throws ResourceException {
    switch (r.getActionCase()) {
      case ROUTE:
        return routeAction(r.getRoute(), at + ".route");
      case DIRECT_RESPONSE:
        var d = r.getDirectResponse();
        int status = d.getStatus();
        if (status < 100 || status > 599) {
          throw new ResourceException(at + ".direct_response.status", "must be in [100, 599], was " + status);
        }
        String body = d.getBody().hasInlineString()
            ? d.getBody().getInlineString()
            : d.getBody().getInlineBytes().toStringUtf8();
        return new RouteAction.DirectResponse(status, body);
      default:
        throw new ResourceException(at + ".action", "not supported yet: " + r.getActionCase());
    }
  }

  private static RouteAction routeAction(io.envoyproxy.envoy.config.route.v3.RouteAction a, String at)
      throws ResourceException {
    if (!a.getPrefixRewrite().isEmpty()) {
      throw new ResourceException(at + ".prefix_rewrite", "not supported yet");
    }
    if (a.hasRegexRewrite()) {
      throw new ResourceException(at + ".regex_rewrite", "not supported yet");
    }
    if (a.getHostRewriteSpecifierCase() != io.envoyproxy.envoy.config.route.v3.RouteAction.HostRewriteSpecifierCase.HOSTREWRITESPECIFIER_NOT_SET) {
      throw new ResourceException(at + "." + a.getHostRewriteSpecifierCase().name().toLowerCase(), "not supported yet");
    }
    switch (a.getClusterSpecifierCase()) {
      case CLUSTER:
        if (a.getCluster().isEmpty()) {
          throw new ResourceException(at + ".cluster", "must not be empty");
        }
        return new RouteAction.ToCluster(a.getCluster());
      case WEIGHTED_CLUSTERS:
        return weighted(a.getWeightedClusters(), at + ".weighted_clusters");
      default:
        throw new ResourceException(at + ".cluster_specifier", "not supported yet: " + a.getClusterSpecifierCase());
    }
  }

  private static RouteAction weighted(WeightedCluster w, String at) throws ResourceException {
    List<RouteAction.ClusterWeight> clusters = new ArrayList<>();
    long sum = 0;
    for (int i = 0; i < w.getClustersCount(); i++) {
      WeightedCluster.ClusterWeight cw = w.getClusters(i);
      if (cw.getName().isEmpty()) {
        throw new ResourceException(at + ".clusters[" + i + "].name", "must not be empty (cluster_header is not supported yet)");
      }
      long weight = cw.hasWeight() ? Integer.toUnsignedLong(cw.getWeight().getValue()) : 0;
      sum += weight;
      clusters.add(new RouteAction.ClusterWeight(cw.getName(), weight));
    }
    if (sum <= 0 || sum > 0xFFFF_FFFFL) {
      throw new ResourceException(at + ".clusters", "the sum of weights must be in [1, 4294967295], was " + sum);
    }
    if (w.hasTotalWeight() && w.getTotalWeight().getValue() != 0
        && Integer.toUnsignedLong(w.getTotalWeight().getValue()) != sum) {
      throw new ResourceException(
          at + ".total_weight", "is " + Integer.toUnsignedLong(w.getTotalWeight().getValue()) + " but the weights sum to " + sum);
    }
    return new RouteAction.ToWeightedClusters(clusters);
  }
}
