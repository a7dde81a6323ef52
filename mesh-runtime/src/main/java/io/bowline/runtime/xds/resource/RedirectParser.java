package io.bowline.runtime.xds.resource;

import io.bowline.api.config.PathRewrite;
import io.bowline.api.config.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;

/** Parses Envoy {@code RedirectAction} into {@link RouteAction.Redirect}. */
final class RedirectParser {
  private RedirectParser() {}

  static RouteAction.Redirect parse(RedirectAction r, String at) throws ResourceException {
    String scheme = null;
    switch (r.getSchemeRewriteSpecifierCase()) {
      case HTTPS_REDIRECT:
        scheme = r.getHttpsRedirect() ? "https" : null;
        break;
      case SCHEME_REDIRECT:
        scheme = r.getSchemeRedirect().isEmpty() ? null : r.getSchemeRedirect().toLowerCase(java.util.Locale.ROOT);
        break;
      default:
        break;
    }
    String path = null;
    PathRewrite rewrite = null;
    switch (r.getPathRewriteSpecifierCase()) {
      case PATH_REDIRECT:
        path = r.getPathRedirect();
        break;
      case PREFIX_REWRITE:
        rewrite = new PathRewrite.Prefix(r.getPrefixRewrite());
        break;
      case REGEX_REWRITE:
        rewrite = RouteParser.regexRewrite(r.getRegexRewrite(), at + ".regex_rewrite");
        break;
      default:
        break;
    }
    int code;
    switch (r.getResponseCode()) {
      case MOVED_PERMANENTLY:
        code = 301;
        break;
      case FOUND:
        code = 302;
        break;
      case SEE_OTHER:
        code = 303;
        break;
      case TEMPORARY_REDIRECT:
        code = 307;
        break;
      case PERMANENT_REDIRECT:
        code = 308;
        break;
      default:
        throw new ResourceException(at + ".response_code", "unknown value " + r.getResponseCodeValue());
    }
    String host = r.getHostRedirect().isEmpty() ? null : r.getHostRedirect();
    return new RouteAction.Redirect(scheme, host, r.getPortRedirect(), path, rewrite, code, r.getStripQuery());
  }
}
