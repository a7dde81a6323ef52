package io.bowline.controlplane.translate;

import com.google.protobuf.BoolValue;
import io.bowline.controlplane.istio.VirtualService.HttpMatch;
import io.bowline.controlplane.istio.VirtualService.StringMatch;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.Map;

/**
 * Istio {@code HTTPMatchRequest} → Envoy {@code config.route.v3.RouteMatch} (istiod's
 * {@code TranslateRouteMatch}): {@code uri} exact/prefix/regex → {@code path}/{@code prefix}/{@code safe_regex}
 * (no uri → {@code prefix: ""}); {@code case_sensitive} always set to {@code !ignoreUriCase} (for a regex,
 * which Envoy matches case-sensitively regardless, {@code ignoreUriCase} also prepends {@code (?i)});
 * {@code headers} → {@code HeaderMatcher.string_match}, or {@code present_match} for an empty StringMatch;
 * {@code method}/{@code authority}/{@code scheme} → header matchers on {@code :method}/{@code :authority}/
 * {@code :scheme}; {@code withoutHeaders} → header matchers with {@code invert_match}; {@code queryParams} →
 * {@code query_parameters}. {@code sourceLabels}/{@code sourceNamespace} are not part of the match: they decide
 * per client whether the route exists at all ({@link RouteTranslator}).
 */
final class RouteMatchTranslator {

  private RouteMatchTranslator() {}

  /** Translates {@code match}; {@code null} (a rule without match) gives the catch-all {@code prefix: ""}. */
  static RouteMatch translate(HttpMatch match) {
    RouteMatch.Builder route = RouteMatch.newBuilder();
    if (match == null) {
      return route.setPrefix("").setCaseSensitive(BoolValue.of(true)).build();
    }
    StringMatch uri = match.uri();
    if (uri == null) {
      route.setPrefix("");
    } else {
      switch (uri.kind()) {
        case EXACT -> route.setPath(uri.value());
        case PREFIX -> route.setPrefix(uri.value());
        default -> route.setSafeRegex(regex((match.ignoreUriCase() ? "(?i)" : "") + uri.value()));
      }
    }
    route.setCaseSensitive(BoolValue.of(!match.ignoreUriCase()));
    for (Map.Entry<String, StringMatch> header : match.headers().entrySet()) {
      route.addHeaders(header(header.getKey(), header.getValue()));
    }
    pseudoHeader(route, ":method", match.method());
    pseudoHeader(route, ":authority", match.authority());
    pseudoHeader(route, ":scheme", match.scheme());
    for (Map.Entry<String, StringMatch> header : match.withoutHeaders().entrySet()) {
      route.addHeaders(header(header.getKey(), header.getValue()).toBuilder().setInvertMatch(true));
    }
    for (Map.Entry<String, StringMatch> parameter : match.queryParams().entrySet()) {
      route.addQueryParameters(queryParameter(parameter.getKey(), parameter.getValue()));
    }
    return route.build();
  }

  /**
   * Whether {@code match} matches every request, after which istiod emits no further routes: no header
   * conditions and a path condition of {@code prefix ""}, {@code prefix "/"} or {@code regex ".*"}.
   */
  static boolean isCatchAll(RouteMatch match) {
    if (match.getHeadersCount() > 0 || match.getQueryParametersCount() > 0) {
      return false;
    }
    return switch (match.getPathSpecifierCase()) {
      case PREFIX -> match.getPrefix().isEmpty() || match.getPrefix().equals("/");
      case SAFE_REGEX -> match.getSafeRegex().getRegex().equals(".*");
      default -> false;
    };
  }

  /** {@code method}, {@code authority} and {@code scheme} match the HTTP/2 pseudo-headers, as istiod emits. */
  private static void pseudoHeader(RouteMatch.Builder route, String name, StringMatch value) {
    if (value != null) {
      route.addHeaders(header(name, value));
    }
  }

  /** {@code queryParams}: exact/prefix/regex → {@code string_match}; an empty StringMatch → present. */
  private static QueryParameterMatcher queryParameter(String name, StringMatch value) {
    QueryParameterMatcher.Builder parameter = QueryParameterMatcher.newBuilder().setName(name);
    switch (value.kind()) {
      case EXACT -> parameter.setStringMatch(StringMatcher.newBuilder().setExact(value.value()));
      case PREFIX -> parameter.setStringMatch(StringMatcher.newBuilder().setPrefix(value.value()));
      case REGEX -> parameter.setStringMatch(StringMatcher.newBuilder().setSafeRegex(regex(value.value())));
      default -> parameter.setPresentMatch(true);
    }
    return parameter.build();
  }

  private static HeaderMatcher header(String name, StringMatch value) {
    HeaderMatcher.Builder header = HeaderMatcher.newBuilder().setName(name);
    switch (value.kind()) {
      case EXACT -> header.setStringMatch(StringMatcher.newBuilder().setExact(value.value()));
      case PREFIX -> {
        if (value.value().isEmpty()) {
          header.setPresentMatch(true);
        } else {
          header.setStringMatch(StringMatcher.newBuilder().setPrefix(value.value()));
        }
      }
      case REGEX -> header.setStringMatch(StringMatcher.newBuilder().setSafeRegex(regex(value.value())));
      default -> header.setPresentMatch(true);
    }
    return header.build();
  }

  /** An RE2 {@code RegexMatcher}; {@code google_re2} is set explicitly for older Envoy/gRPC clients. */
  @SuppressWarnings("deprecation") // google_re2 is deprecated (RE2 is the default) but istiod still sets it
  static RegexMatcher regex(String regex) {
    return RegexMatcher.newBuilder()
        .setGoogleRe2(RegexMatcher.GoogleRE2.getDefaultInstance())
        .setRegex(regex)
        .build();
  }
}
