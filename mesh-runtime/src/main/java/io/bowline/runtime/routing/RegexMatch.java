package io.bowline.runtime.routing;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;

/**
 * An RE2 full match (re2j) that reuses one {@link Matcher} per thread, so matching allocates
 * nothing in steady state.
 */
final class RegexMatch {
  private final Pattern pattern;
  private final ThreadLocal<Matcher> matchers;

  RegexMatch(String regex) {
    this.pattern = Pattern.compile(regex);
    this.matchers = ThreadLocal.withInitial(() -> pattern.matcher(""));
  }

  /** Whether the whole of {@code s} matches. */
  boolean matches(CharSequence s) {
    return matchers.get().reset(s).matches();
  }
}
