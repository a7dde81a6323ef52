package io.bowline.runtime.routing;

import io.bowline.api.config.PathMatcher;

/**
 * A compiled path specifier of an Envoy {@code RouteMatch}. {@code prefix} sees the raw path with
 * its query; {@code path}, {@code safe_regex} and {@code path_separated_prefix} see the path
 * without the query. {@code case_sensitive} applies to all but the regex.
 */
abstract class PathMatch {

  abstract boolean matches(String rawPath);

  static PathMatch compile(PathMatcher m, boolean caseSensitive) {
    if (m instanceof PathMatcher.Prefix p) {
      String v = p.value();
      if (v.isEmpty() || v.equals("/")) {
        return ANY;
      }
      return caseSensitive
          ? of(path -> path.startsWith(v))
          : of(path -> path.regionMatches(true, 0, v, 0, v.length()));
    }
    if (m instanceof PathMatcher.Exact e) {
      String v = e.value();
      return of(path -> PathRewriter.pathLength(path) == v.length()
          && path.regionMatches(!caseSensitive, 0, v, 0, v.length()));
    }
    if (m instanceof PathMatcher.Regex r) {
      RegexMatch p = new RegexMatch(r.regex());
      String literal = RouteTable.literalPrefix(r.regex());
      // Every full match starts with the regex's literal prefix: reject cheaply before running RE2.
      return of(path -> path.startsWith(literal) && p.matches(path, PathRewriter.pathLength(path)));
    }
    if (m instanceof PathMatcher.UriTemplate t) {
      RegexMatch p = new RegexMatch(UriTemplates.toRegex(t.template()));
      return of(path -> p.matches(path, PathRewriter.pathLength(path)));
    }
    PathMatcher.SeparatedPrefix s = (PathMatcher.SeparatedPrefix) m;
    String v = s.value();
    return of(path -> {
      int len = PathRewriter.pathLength(path);
      if (len < v.length() || !path.regionMatches(!caseSensitive, 0, v, 0, v.length())) {
        return false;
      }
      return len == v.length() || path.charAt(v.length()) == '/';
    });
  }

  private static final PathMatch ANY = of(path -> true);

  private static PathMatch of(java.util.function.Predicate<String> p) {
    return new PathMatch() {
      @Override
      boolean matches(String rawPath) {
        return p.test(rawPath);
      }
    };
  }
}
