package io.bowline.runtime.routing;

import com.google.re2j.Pattern;
import io.bowline.api.MeshRequest;
import io.bowline.api.config.RouteAction.HostRewrite;
import java.util.List;

/**
 * Envoy's {@code host_rewrite_specifier} for a forwarded request: {@code host_rewrite_literal},
 * {@code host_rewrite_header} (first value; absent or empty keeps the host) or
 * {@code host_rewrite_path_regex} (RE2 replace-all over the path without its query; an empty
 * result keeps the host). {@code auto_host_rewrite} has no rewriter: it depends on each attempt's
 * endpoint, so each attempt applies it through {@link AttemptHosts}.
 */
abstract class HostRewriter {

  /** The new {@code :authority}, or {@code null} to keep the original. */
  abstract String host(MeshRequest original);

  /** The literal host, if this rewriter always gives the same one, else {@code null}. */
  String literal() {
    return null;
  }

  /**
   * The rewriter for a literal or a request-dependent rewrite (at most one set), or {@code null}
   * (also for {@code auto_host_rewrite}).
   */
  static HostRewriter compile(String literal, HostRewrite rewrite) {
    if (literal != null) {
      return new HostRewriter() {
        @Override
        String host(MeshRequest original) {
          return literal;
        }

        @Override
        String literal() {
          return literal;
        }
      };
    }
    if (rewrite instanceof HostRewrite.Header h) {
      String name = h.name();
      return new HostRewriter() {
        @Override
        String host(MeshRequest original) {
          List<String> values = original.headers(name);
          return values.isEmpty() || values.get(0).isEmpty() ? null : values.get(0);
        }
      };
    }
    if (rewrite instanceof HostRewrite.PathRegex r) {
      Pattern pattern = Pattern.compile(r.pattern());
      String substitution = PathRewriter.toRe2jReplacement(r.substitution());
      return new HostRewriter() {
        @Override
        String host(MeshRequest original) {
          String path = original.path();
          String host = pattern.matcher(path.substring(0, PathRewriter.pathLength(path))).replaceAll(substitution);
          return host.isEmpty() ? null : host;
        }
      };
    }
    return null;
  }
}
