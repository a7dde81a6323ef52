package io.bowline.runtime.routing;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import io.bowline.api.config.PathMatcher;
import io.bowline.api.config.PathRewrite;

/**
 * Envoy's path rewrites. {@code prefix_rewrite} replaces the part matched by the route: the
 * prefix for {@code prefix} and {@code path_separated_prefix}, the whole path (without query) for
 * {@code path} and {@code safe_regex}. {@code regex_rewrite} is an RE2 replace-all over the path
 * without its query, {@code \N} naming capture group N; the query is re-appended.
 */
abstract class PathRewriter {

  /** The rewritten raw path, query kept. */
  abstract String rewrite(String rawPath);

  static PathRewriter compile(PathRewrite rewrite, PathMatcher match) {
    if (rewrite == null) {
      return null;
    }
    if (rewrite instanceof PathRewrite.Prefix p) {
      String replacement = p.value();
      int matched;
      if (match instanceof PathMatcher.Prefix mp) {
        matched = mp.value().length();
      } else if (match instanceof PathMatcher.SeparatedPrefix sp) {
        matched = sp.value().length();
      } else {
        matched = -1;
      }
      return new PathRewriter() {
        @Override
        String rewrite(String rawPath) {
          int end = matched >= 0 ? Math.min(matched, rawPath.length()) : pathLength(rawPath);
          return replacement + rawPath.substring(end);
        }
      };
    }
    if (rewrite instanceof PathRewrite.UriTemplate t) {
      if (!(match instanceof PathMatcher.UriTemplate mt)) {
        throw new IllegalArgumentException("path_rewrite_policy needs a uri_template path_match_policy on the route");
      }
      Pattern whole = Pattern.compile(UriTemplates.toRegex(mt.template()));
      String replacement = UriTemplates.toReplacement(t.rewrite(), mt.template());
      return new PathRewriter() {
        @Override
        String rewrite(String rawPath) {
          int q = pathLength(rawPath);
          Matcher m = whole.matcher(rawPath.substring(0, q));
          return m.matches() ? m.replaceAll(replacement) + rawPath.substring(q) : rawPath;
        }
      };
    }
    PathRewrite.Regex r = (PathRewrite.Regex) rewrite;
    Pattern pattern = Pattern.compile(r.pattern());
    String substitution = toRe2jReplacement(r.substitution());
    return new PathRewriter() {
      @Override
      String rewrite(String rawPath) {
        int q = pathLength(rawPath);
        Matcher m = pattern.matcher(rawPath.substring(0, q));
        return m.replaceAll(substitution) + rawPath.substring(q);
      }
    };
  }

  static int pathLength(String rawPath) {
    int q = rawPath.indexOf('?');
    return q < 0 ? rawPath.length() : q;
  }

  /** Envoy's {@code \N} group references become re2j's {@code $N}; a literal {@code $} is escaped. */
  static String toRe2jReplacement(String s) {
    StringBuilder out = new StringBuilder(s.length() + 4);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length() && Character.isDigit(s.charAt(i + 1))) {
        out.append('$').append(s.charAt(++i));
      } else if (c == '\\' && i + 1 < s.length() && s.charAt(i + 1) == '\\') {
        out.append('\\').append('\\');
        i++;
      } else if (c == '$') {
        out.append("\\$");
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
