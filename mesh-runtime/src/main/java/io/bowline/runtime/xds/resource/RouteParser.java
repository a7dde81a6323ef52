package io.bowline.runtime.xds.resource;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import io.bowline.api.config.FractionalPercent;
import io.bowline.api.config.HashPolicy;
import io.bowline.api.config.HeaderMatcher;
import io.bowline.api.config.HeaderMutations;
import io.bowline.api.config.Int64Range;
import io.bowline.api.config.PathRewrite;
import io.bowline.api.config.QueryParameterMatcher;
import io.bowline.api.config.PathMatcher;
import io.bowline.api.config.Route;
import io.bowline.api.config.RouteAction;
import io.bowline.api.config.RouteMatch;
import io.bowline.api.config.StringMatcher;
import io.bowline.api.config.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Converts Envoy route protos ({@code VirtualHost}, {@code Route}, {@code RouteMatch},
 * {@code HeaderMatcher}, {@code RouteAction}, {@code RedirectAction}) into the model. Fields that
 * would change where a request goes and that the runtime does not implement are rejected, never
 * silently ignored.
 */
final class RouteParser {
  /**
   * A virtual host's {@code require_tls: ALL}: a request that did not arrive over TLS gets a 301 to the same
   * URL over https. The gateway sets {@code x-forwarded-proto} from its downstream connection (Envoy with
   * {@code use_remote_address}), so this route, first in the virtual host, matches exactly those requests.
   */
  static final Route REQUIRE_TLS = new Route("require_tls",
      new RouteMatch(new PathMatcher.Prefix("/"), true,
          List.of(HeaderMatcher.of("x-forwarded-proto", new StringMatcher(StringMatcher.Kind.EXACT, "http", false)))),
      new RouteAction.Redirect("https", null, 0, null, null, 301, false));

  private RouteParser() {}

  static VirtualHost virtualHost(io.envoyproxy.envoy.config.route.v3.VirtualHost vh, String at)
      throws ResourceException {
    if (vh.getDomainsCount() == 0) {
      throw new ResourceException(at + ".domains", "must not be empty");
    }
    List<Route> routes = new ArrayList<>();
    switch (vh.getRequireTls()) {
      case NONE -> { }
      case ALL -> routes.add(REQUIRE_TLS);
      default -> throw new ResourceException(at + ".require_tls", vh.getRequireTls() + " is not supported (NONE or ALL)");
    }
    for (int i = 0; i < vh.getRoutesCount(); i++) {
      Route r = route(vh.getRoutes(i), at + ".routes[" + i + "]");
      if (r != null) {
        routes.add(RoutePoliciesParser.inherit(r, vh, at));
      }
    }
    HeaderMutations headers = HeaderMutationParser.parse(
        vh.getRequestHeadersToAddList(), vh.getRequestHeadersToRemoveList(),
        vh.getResponseHeadersToAddList(), vh.getResponseHeadersToRemoveList(), at);
    return new VirtualHost(vh.getName(), vh.getDomainsList(), routes, headers);
  }

  /** The route, or {@code null} for a route that can never match in a client (server-only matchers). */
  static Route route(io.envoyproxy.envoy.config.route.v3.Route r, String at) throws ResourceException {
    io.envoyproxy.envoy.config.route.v3.RouteMatch m = r.getMatch();
    if (m.hasTlsContext() || m.getDynamicMetadataCount() > 0 || m.getFilterStateCount() > 0) {
      return null;
    }
    RouteMatch match = match(m, at + ".match");
    RouteAction action = action(r, at);
    HeaderMutations headers = HeaderMutationParser.parse(
        r.getRequestHeadersToAddList(), r.getRequestHeadersToRemoveList(),
        r.getResponseHeadersToAddList(), r.getResponseHeadersToRemoveList(), at);
    return new Route(r.getName(), match, action, headers, RoutePoliciesParser.parse(r, at));
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
      case PATH_MATCH_POLICY:
        path = new PathMatcher.UriTemplate(uriTemplate(m.getPathMatchPolicy(), at + ".path_match_policy"));
        break;
      default:
        throw new ResourceException(at + ".path_specifier", "unsupported: " + m.getPathSpecifierCase());
    }
    List<QueryParameterMatcher> query = new ArrayList<>();
    for (int i = 0; i < m.getQueryParametersCount(); i++) {
      query.add(queryParameter(m.getQueryParameters(i), at + ".query_parameters[" + i + "]"));
    }
    FractionalPercent fraction = m.hasRuntimeFraction()
        ? fraction(m.getRuntimeFraction().getDefaultValue(), at + ".runtime_fraction.default_value")
        : null;
    List<HeaderMatcher> headers = new ArrayList<>();
    for (int i = 0; i < m.getHeadersCount(); i++) {
      headers.add(header(m.getHeaders(i), at + ".headers[" + i + "]"));
    }
    boolean caseSensitive = !m.hasCaseSensitive() || m.getCaseSensitive().getValue();
    return new RouteMatch(path, caseSensitive, headers, query, fraction, m.hasGrpc());
  }

  private static QueryParameterMatcher queryParameter(
      io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher q, String at) throws ResourceException {
    if (q.getName().isEmpty()) {
      throw new ResourceException(at + ".name", "must not be empty");
    }
    switch (q.getQueryParameterMatchSpecifierCase()) {
      case STRING_MATCH:
        return new QueryParameterMatcher(q.getName(), stringMatcher(q.getStringMatch(), at + ".string_match"), false);
      case PRESENT_MATCH:
        if (!q.getPresentMatch()) {
          throw new ResourceException(at + ".present_match", "must be true when set");
        }
        return new QueryParameterMatcher(q.getName(), null, true);
      default:
        return new QueryParameterMatcher(q.getName(), null, true);
    }
  }

  static FractionalPercent fraction(io.envoyproxy.envoy.type.v3.FractionalPercent f, String at)
      throws ResourceException {
    long d;
    switch (f.getDenominator()) {
      case HUNDRED:
        d = 100;
        break;
      case TEN_THOUSAND:
        d = 10_000;
        break;
      case MILLION:
        d = 1_000_000;
        break;
      default:
        throw new ResourceException(at + ".denominator", "unknown: " + f.getDenominatorValue());
    }
    return new FractionalPercent(Integer.toUnsignedLong(f.getNumerator()), d);
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
      case RANGE_MATCH:
        var range = h.getRangeMatch();
        return new HeaderMatcher(h.getName(), null, null, h.getInvertMatch(), h.getTreatMissingHeaderAsEmpty(),
            new Int64Range(range.getStart(), range.getEnd()));
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

  static String regex(String regex, String at) throws ResourceException {
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
      case REDIRECT:
        return RedirectParser.parse(r.getRedirect(), at + ".redirect");
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
        throw new ResourceException(at + ".action", "not supported: " + r.getActionCase());
    }
  }

  private static RouteAction routeAction(io.envoyproxy.envoy.config.route.v3.RouteAction a, String at)
      throws ResourceException {
    RouteAction.ForwardOptions options = forwardOptions(a, at);
    switch (a.getClusterSpecifierCase()) {
      case CLUSTER:
        if (a.getCluster().isEmpty()) {
          throw new ResourceException(at + ".cluster", "must not be empty");
        }
        return new RouteAction.ToCluster(a.getCluster(), options);
      case CLUSTER_HEADER:
        if (a.getClusterHeader().isEmpty()) {
          throw new ResourceException(at + ".cluster_header", "must not be empty");
        }
        return new RouteAction.ToClusterHeader(a.getClusterHeader(), options);
      case WEIGHTED_CLUSTERS:
        return weighted(a.getWeightedClusters(), options, at + ".weighted_clusters");
      default:
        throw new ResourceException(at + ".cluster_specifier", "not supported: " + a.getClusterSpecifierCase());
    }
  }

  private static RouteAction.ForwardOptions forwardOptions(
      io.envoyproxy.envoy.config.route.v3.RouteAction a, String at) throws ResourceException {
    PathRewrite rewrite = null;
    if (!a.getPrefixRewrite().isEmpty()) {
      rewrite = new PathRewrite.Prefix(a.getPrefixRewrite());
    }
    if (a.hasRegexRewrite()) {
      if (rewrite != null) {
        throw new ResourceException(at + ".regex_rewrite", "only one of prefix_rewrite and regex_rewrite may be set");
      }
      rewrite = regexRewrite(a.getRegexRewrite(), at + ".regex_rewrite");
    }
    if (a.hasPathRewritePolicy()) {
      if (rewrite != null) {
        throw new ResourceException(at + ".path_rewrite_policy", "only one of prefix_rewrite, regex_rewrite and path_rewrite_policy may be set");
      }
      rewrite = uriTemplateRewrite(a.getPathRewritePolicy(), at + ".path_rewrite_policy");
    }
    String hostRewrite = null;
    RouteAction.HostRewrite dynamicHost = null;
    switch (a.getHostRewriteSpecifierCase()) {
      case HOSTREWRITESPECIFIER_NOT_SET:
        break;
      case HOST_REWRITE_LITERAL:
        hostRewrite = a.getHostRewriteLiteral();
        break;
      case HOST_REWRITE_HEADER:
        dynamicHost = new RouteAction.HostRewrite.Header(nonEmptyName(a.getHostRewriteHeader(), at + ".host_rewrite_header"));
        break;
      case HOST_REWRITE_PATH_REGEX:
        PathRewrite.Regex r = regexRewrite(a.getHostRewritePathRegex(), at + ".host_rewrite_path_regex");
        dynamicHost = new RouteAction.HostRewrite.PathRegex(r.pattern(), r.substitution());
        break;
      case AUTO_HOST_REWRITE:
        dynamicHost = a.getAutoHostRewrite().getValue() ? RouteAction.HostRewrite.Auto.INSTANCE : null;
        break;
      default:
        throw new ResourceException(at + "." + a.getHostRewriteSpecifierCase().name().toLowerCase(Locale.ROOT), "not supported");
    }
    List<HashPolicy> hashPolicies = new ArrayList<>();
    for (int i = 0; i < a.getHashPolicyCount(); i++) {
      hashPolicies.add(hashPolicy(a.getHashPolicy(i), at + ".hash_policy[" + i + "]"));
    }
    int notFound;
    switch (a.getClusterNotFoundResponseCode()) {
      case NOT_FOUND:
        notFound = 404;
        break;
      case INTERNAL_SERVER_ERROR:
        notFound = 500;
        break;
      default:
        notFound = 503;
    }
    return new RouteAction.ForwardOptions(rewrite, hostRewrite, hashPolicies, notFound, dynamicHost,
        a.getAppendXForwardedHost());
  }

  private static String uriTemplate(io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig ext, String at)
      throws ResourceException {
    var any = ext.getTypedConfig();
    if (!any.is(io.envoyproxy.envoy.extensions.path.match.uri_template.v3.UriTemplateMatchConfig.class)) {
      throw new ResourceException(at + ".typed_config", "unsupported path matcher " + any.getTypeUrl());
    }
    try {
      String template = Unpacking.unpack(any, io.envoyproxy.envoy.extensions.path.match.uri_template.v3.UriTemplateMatchConfig.getDescriptor(), io.envoyproxy.envoy.extensions.path.match.uri_template.v3.UriTemplateMatchConfig.parser())
          .getPathTemplate();
      io.bowline.runtime.routing.UriTemplates.toRegex(template);
      return template;
    } catch (com.google.protobuf.InvalidProtocolBufferException | IllegalArgumentException e) {
      throw new ResourceException(at + ".typed_config.path_template", e.getMessage());
    }
  }

  private static PathRewrite uriTemplateRewrite(io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig ext, String at)
      throws ResourceException {
    var any = ext.getTypedConfig();
    if (!any.is(io.envoyproxy.envoy.extensions.path.rewrite.uri_template.v3.UriTemplateRewriteConfig.class)) {
      throw new ResourceException(at + ".typed_config", "unsupported path rewriter " + any.getTypeUrl());
    }
    try {
      return new PathRewrite.UriTemplate(Unpacking.unpack(any, io.envoyproxy.envoy.extensions.path.rewrite.uri_template.v3.UriTemplateRewriteConfig.getDescriptor(), io.envoyproxy.envoy.extensions.path.rewrite.uri_template.v3.UriTemplateRewriteConfig.parser()).getPathTemplateRewrite());
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new ResourceException(at + ".typed_config", e.getMessage());
    }
  }

  static PathRewrite.Regex regexRewrite(
      io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute r, String at) throws ResourceException {
    return new PathRewrite.Regex(regex(r.getPattern().getRegex(), at + ".pattern.regex"), r.getSubstitution());
  }

  private static HashPolicy hashPolicy(io.envoyproxy.envoy.config.route.v3.RouteAction.HashPolicy h, String at)
      throws ResourceException {
    switch (h.getPolicySpecifierCase()) {
      case HEADER:
        if (h.getHeader().hasRegexRewrite()) {
          throw new ResourceException(at + ".header.regex_rewrite", "not supported");
        }
        return new HashPolicy(HashPolicy.Kind.HEADER, nonEmptyName(h.getHeader().getHeaderName(), at + ".header.header_name"), h.getTerminal());
      case COOKIE:
        return new HashPolicy(HashPolicy.Kind.COOKIE, nonEmptyName(h.getCookie().getName(), at + ".cookie.name"), h.getTerminal());
      case QUERY_PARAMETER:
        return new HashPolicy(HashPolicy.Kind.QUERY_PARAMETER, nonEmptyName(h.getQueryParameter().getName(), at + ".query_parameter.name"), h.getTerminal());
      case CONNECTION_PROPERTIES:
        return new HashPolicy(HashPolicy.Kind.SOURCE_IP, "", h.getTerminal());
      default:
        throw new ResourceException(at + ".policy_specifier", "not supported: " + h.getPolicySpecifierCase());
    }
  }

  private static String nonEmptyName(String name, String at) throws ResourceException {
    if (name.isEmpty()) {
      throw new ResourceException(at, "must not be empty");
    }
    return name;
  }

  private static RouteAction weighted(WeightedCluster w, RouteAction.ForwardOptions options, String at)
      throws ResourceException {
    List<RouteAction.ClusterWeight> clusters = new ArrayList<>();
    long sum = 0;
    for (int i = 0; i < w.getClustersCount(); i++) {
      WeightedCluster.ClusterWeight cw = w.getClusters(i);
      String cat = at + ".clusters[" + i + "]";
      if (cw.getName().isEmpty() == cw.getClusterHeader().isEmpty()) {
        throw new ResourceException(cat + ".name", "exactly one of name and cluster_header must be set");
      }
      long weight = cw.hasWeight() ? Integer.toUnsignedLong(cw.getWeight().getValue()) : 0;
      sum += weight;
      HeaderMutations headers = HeaderMutationParser.parse(
          cw.getRequestHeadersToAddList(), cw.getRequestHeadersToRemoveList(),
          cw.getResponseHeadersToAddList(), cw.getResponseHeadersToRemoveList(), cat);
      String hostRewrite = cw.getHostRewriteLiteral().isEmpty() ? null : cw.getHostRewriteLiteral();
      String clusterHeader = cw.getClusterHeader().isEmpty() ? null : cw.getClusterHeader();
      clusters.add(new RouteAction.ClusterWeight(cw.getName(), weight, headers, hostRewrite, clusterHeader));
    }
    if (sum <= 0 || sum > 0xFFFF_FFFFL) {
      throw new ResourceException(at + ".clusters", "the sum of weights must be in [1, 4294967295], was " + sum);
    }
    if (w.hasTotalWeight() && w.getTotalWeight().getValue() != 0
        && Integer.toUnsignedLong(w.getTotalWeight().getValue()) != sum) {
      throw new ResourceException(
          at + ".total_weight", "is " + Integer.toUnsignedLong(w.getTotalWeight().getValue()) + " but the weights sum to " + sum);
    }
    return new RouteAction.ToWeightedClusters(clusters, options);
  }
}
