package io.bowline.controlplane.translate;

import io.bowline.controlplane.istio.VirtualService.Rewrite;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute;

/**
 * Istio {@code HTTPRewrite} → Envoy {@code RouteAction} rewrites, as istiod's
 * {@code applyHTTPRouteDestination}: {@code uriRegexRewrite} → {@code regex_rewrite} (RE2 pattern plus
 * substitution), else {@code uri} → {@code prefix_rewrite} (replaces the part the route's path matcher
 * matched); {@code authority} → {@code host_rewrite_literal}.
 */
final class RewriteTranslator {

  private RewriteTranslator() {}

  static RouteAction apply(RouteAction action, Rewrite rewrite) {
    if (rewrite == null) {
      return action;
    }
    RouteAction.Builder builder = action.toBuilder();
    if (!rewrite.regexMatch().isEmpty()) {
      builder.setRegexRewrite(RegexMatchAndSubstitute.newBuilder()
          .setPattern(RouteMatchTranslator.regex(rewrite.regexMatch()))
          .setSubstitution(rewrite.regexRewrite()));
    } else if (!rewrite.uri().isEmpty()) {
      builder.setPrefixRewrite(rewrite.uri());
    }
    if (!rewrite.authority().isEmpty()) {
      builder.setHostRewriteLiteral(rewrite.authority());
    }
    return builder.build();
  }
}
