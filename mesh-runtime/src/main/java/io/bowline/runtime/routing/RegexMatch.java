package io.bowline.runtime.routing;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;

/**
 * An RE2 full match. re2j compiles (and validates) every pattern and is the reference semantics;
 * patterns in the common route-regex subset also get a {@link RegexDfa}, which answers ASCII input
 * without allocating or running re2j's NFA simulation. Everything else (other syntax, non-ASCII
 * input) goes to re2j through a per-thread {@link Matcher}, which allocates a little per call.
 *
 * @see RegexSubsetParser for the subset
 */
final class RegexMatch {
  private final Pattern pattern;
  private final RegexDfa dfa;
  /** Every full match starts with this ({@link RouteTable#literalPrefix}); checked first, read once. */
  private final String literal;
  /** The automaton's state after {@link #literal}, or -1 to run it from the start. */
  private final int afterLiteral;
  private final ThreadLocal<Matcher> matchers;

  /**
   * @throws com.google.re2j.PatternSyntaxException if re2j rejects the pattern
   */
  RegexMatch(String regex) {
    this.pattern = Pattern.compile(regex);
    this.dfa = RegexDfa.compile(regex);
    this.literal = RouteTable.literalPrefix(regex);
    this.afterLiteral = dfa == null ? -1 : dfa.after(literal);
    this.matchers = ThreadLocal.withInitial(() -> pattern.matcher(""));
  }

  /** Whether the whole of {@code s} matches. */
  boolean matches(String s) {
    return matches(s, s.length());
  }

  /** Whether the whole of {@code s[0, end)} matches. */
  boolean matches(String s, int end) {
    return matches(s, end, 0);
  }

  /**
   * As {@link #matches(String, int)}, where the caller knows {@code s} starts with the first
   * {@code known} characters of the literal prefix ({@link RouteTable#literalPrefix}).
   */
  boolean matches(String s, int end, int known) {
    if (end < literal.length() || !s.regionMatches(known, literal, known, literal.length() - known)) {
      return false;
    }
    if (dfa != null) {
      int answer = afterLiteral >= 0
          ? dfa.match(s, literal.length(), end, afterLiteral)
          : dfa.match(s, end);
      if (answer != RegexDfa.UNDECIDED) {
        return answer == RegexDfa.MATCH;
      }
    }
    return matchers.get().reset(end == s.length() ? s : s.substring(0, end)).matches();
  }

  /** Whether ASCII input is answered by the automaton rather than re2j (for tests). */
  boolean usesAutomaton() {
    return dfa != null;
  }
}
