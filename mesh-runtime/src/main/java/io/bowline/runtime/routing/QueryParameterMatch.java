package io.bowline.runtime.routing;

import io.bowline.api.config.QueryParameterMatcher;

/**
 * A compiled Envoy {@code QueryParameterMatcher}: only the first occurrence of the key counts;
 * key and value are compared in their URL-encoded form; a key without {@code =} has value "".
 */
final class QueryParameterMatch {
  private final String name;
  private final StringMatch value;

  QueryParameterMatch(QueryParameterMatcher m) {
    this.name = m.name();
    this.value = m.stringMatch() == null ? null : StringMatch.compile(m.stringMatch());
  }

  boolean matches(String rawPath) {
    String v = firstValue(rawPath, name);
    if (v == null) {
      return false;
    }
    return value == null || value.matches(v);
  }

  /** The first value of {@code key} in the query of {@code rawPath}, or {@code null}. */
  static String firstValue(String rawPath, String key) {
    int q = rawPath.indexOf('?');
    if (q < 0) {
      return null;
    }
    int i = q + 1;
    int n = rawPath.length();
    while (i <= n) {
      int amp = rawPath.indexOf('&', i);
      int end = amp < 0 ? n : amp;
      int eq = rawPath.indexOf('=', i);
      int keyEnd = eq < 0 || eq > end ? end : eq;
      if (keyEnd - i == key.length() && rawPath.regionMatches(i, key, 0, key.length())) {
        return keyEnd == end ? "" : rawPath.substring(keyEnd + 1, end);
      }
      i = end + 1;
    }
    return null;
  }
}
