package io.bowline.runtime.routing;

import io.bowline.api.config.PathMatcher;

/**
 * A compiled path specifier of an Envoy {@code RouteMatch}. {@code prefix} sees the raw path with
 * its query; {@code path}, {@code safe_regex} and {@code path_separated_prefix} see the path
 * without the query. {@code case_sensitive} applies to all but the regex.
 */
abstract class PathMatch {

  /**
   * @param rawPath the request's path with its query, if any
   * @param end where the query starts in {@code rawPath} ({@link PathRewriter#pathLength})
   * @param known how many leading characters of {@code rawPath} the caller has already found equal
   *     to this specifier's literal start (its exact path, prefix, or regex literal prefix), at most
   *     that literal's length; 0 if none
   */
  abstract boolean matches(String rawPath, int end, int known);

  /** As {@link #matches(String, int, int)}, finding the query first, with nothing known. */
  final boolean matches(String rawPath) {
    return matches(rawPath, PathRewriter.pathLength(rawPath), 0);
  }

  static PathMatch compile(PathMatcher m, boolean caseSensitive) {
    if (m instanceof PathMatcher.Prefix p) {
      String v = p.value();
      if (v.isEmpty() || v.equals("/")) {
        return ANY;
      }
      return of((path, end, known) -> path.regionMatches(!caseSensitive, known, v, known, v.length() - known));
    }
    if (m instanceof PathMatcher.Exact e) {
      String v = e.value();
      return of((path, end, known) -> end == v.length()
          && path.regionMatches(!caseSensitive, known, v, known, v.length() - known));
    }
    if (m instanceof PathMatcher.Regex r) {
      RegexMatch p = new RegexMatch(r.regex());
      return of(p::matches);
    }
    if (m instanceof PathMatcher.UriTemplate t) {
      RegexMatch p = new RegexMatch(UriTemplates.toRegex(t.template()));
      return of(p::matches);
    }
    PathMatcher.SeparatedPrefix s = (PathMatcher.SeparatedPrefix) m;
    String v = s.value();
    return of((path, end, known) -> {
      if (end < v.length() || !path.regionMatches(!caseSensitive, known, v, known, v.length() - known)) {
        return false;
      }
      return end == v.length() || path.charAt(v.length()) == '/';
    });
  }

  private static final PathMatch ANY = of((path, end, known) -> true);

  /** A path test: {@link #matches(String, int, int)}. */
  private interface Test {
    boolean test(String rawPath, int end, int known);
  }

  private static PathMatch of(Test t) {
    return new PathMatch() {
      @Override
      boolean matches(String rawPath, int end, int known) {
        return t.test(rawPath, end, known);
      }
    };
  }
}
