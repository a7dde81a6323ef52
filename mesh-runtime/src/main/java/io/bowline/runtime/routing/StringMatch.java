package io.bowline.runtime.routing;

import io.bowline.api.config.StringMatcher;
import java.util.Locale;

/**
 * A compiled Envoy {@code StringMatcher}. Regexes are RE2 (re2j) and must match the whole value;
 * {@code ignore_case} applies to every kind except the regex.
 */
public abstract class StringMatch {

  /** Whether {@code value} matches. */
  public abstract boolean matches(String value);

  /** Compiles {@code m}; a regex must already be valid RE2 (the parsers check it). */
  public static StringMatch compile(StringMatcher m) {
    String v = m.value();
    boolean ic = m.ignoreCase();
    switch (m.kind()) {
      case EXACT:
        return ic ? of(s -> s.equalsIgnoreCase(v)) : of(v::equals);
      case PREFIX:
        return ic ? of(s -> s.regionMatches(true, 0, v, 0, v.length())) : of(s -> s.startsWith(v));
      case SUFFIX:
        return ic
            ? of(s -> s.length() >= v.length()
                && s.regionMatches(true, s.length() - v.length(), v, 0, v.length()))
            : of(s -> s.endsWith(v));
      case CONTAINS:
        String lower = v.toLowerCase(Locale.ROOT);
        return ic ? of(s -> s.toLowerCase(Locale.ROOT).contains(lower)) : of(s -> s.contains(v));
      case REGEX:
        RegexMatch p = new RegexMatch(v);
        return of(p::matches);
      default:
        throw new IllegalArgumentException("unknown string matcher " + m.kind());
    }
  }

  private static StringMatch of(java.util.function.Predicate<String> p) {
    return new StringMatch() {
      @Override
      public boolean matches(String value) {
        return p.test(value);
      }
    };
  }
}
