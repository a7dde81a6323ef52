package io.bowline.runtime.routing;

import java.util.ArrayList;
import java.util.List;

/**
 * Parses the part of RE2 syntax that route regexes use (literals, {@code .}, bracket classes with
 * ranges and negation, {@code \d \w \s} and their negations, groups, alternation, {@code * + ?
 * {n,m}}, {@code ^} first and {@code $} last) into a tree over ASCII characters, for
 * {@link RegexDfa}. Anything else (flags, Unicode classes, word boundaries, non-ASCII pattern text,
 * RE2's literal readings of stray {@code ] } {}) is left to re2j: {@link #parse} returns
 * {@code null}. Only called on patterns re2j has already accepted. The semantics are RE2's default
 * (Perl) flags: {@code .} does not match {@code \n}, a negated class does.
 */
final class RegexSubsetParser {

  /** A regex tree node. */
  sealed interface Node permits Chars, Concat, Alt, Repeat {}

  /** One character out of a set of ASCII characters: bit {@code c} of {@code lo} ({@code c < 64}) or {@code hi}. */
  record Chars(long lo, long hi) implements Node {
    static final Chars NONE = new Chars(0, 0);

    static Chars of(char c) {
      return range(c, c);
    }

    static Chars range(char from, char to) {
      long lo = 0;
      long hi = 0;
      for (int c = from; c <= to; c++) {
        if (c < 64) {
          lo |= 1L << c;
        } else {
          hi |= 1L << (c - 64);
        }
      }
      return new Chars(lo, hi);
    }

    Chars or(Chars o) {
      return new Chars(lo | o.lo, hi | o.hi);
    }

    Chars not() {
      return new Chars(~lo, ~hi);
    }

    boolean contains(int c) {
      return c < 64 ? (lo & (1L << c)) != 0 : (hi & (1L << (c - 64))) != 0;
    }
  }

  /** The items in sequence (empty: the empty string). */
  record Concat(List<Node> items) implements Node {}

  /** Any one of the items. */
  record Alt(List<Node> items) implements Node {}

  /** {@code item{min,max}}; {@code max} is -1 for unbounded. */
  record Repeat(Node item, int min, int max) implements Node {}

  private static final Chars DIGIT = Chars.range('0', '9');
  private static final Chars WORD = DIGIT.or(Chars.range('a', 'z')).or(Chars.range('A', 'Z')).or(Chars.of('_'));
  private static final Chars SPACE = Chars.of('\t').or(Chars.of('\n')).or(Chars.of('\f')).or(Chars.of('\r')).or(Chars.of(' '));
  private static final Chars DOT = Chars.of('\n').not();
  /** RE2's repeat-count limit. */
  private static final int MAX_REPEAT = 1000;

  /** Thrown inside the parser when the pattern leaves the subset. */
  private static final class Unsupported extends Exception {
    Unsupported() {
      super(null, null, false, false);
    }
  }

  private final String re;
  private final int limit;
  private int pos;

  private RegexSubsetParser(String re, int start, int limit) {
    this.re = re;
    this.pos = start;
    this.limit = limit;
  }

  /** The tree of an RE2 pattern (already accepted by re2j), or {@code null} if outside the subset. */
  static Node parse(String regex) {
    int start = regex.startsWith("^") ? 1 : 0;
    int end = regex.length();
    if (end > start && regex.charAt(end - 1) == '$' && !escaped(regex, end - 1)) {
      end--; // in a full match, a final $ always holds
    }
    RegexSubsetParser p = new RegexSubsetParser(regex, start, end);
    try {
      Node n = p.alternation();
      return p.pos == p.limit ? n : null;
    } catch (Unsupported e) {
      return null;
    }
  }

  private static boolean escaped(String s, int i) {
    int backslashes = 0;
    while (i - 1 - backslashes >= 0 && s.charAt(i - 1 - backslashes) == '\\') {
      backslashes++;
    }
    return backslashes % 2 == 1;
  }

  private Node alternation() throws Unsupported {
    List<Node> alternatives = new ArrayList<>();
    alternatives.add(concatenation());
    while (pos < limit && re.charAt(pos) == '|') {
      pos++;
      alternatives.add(concatenation());
    }
    return alternatives.size() == 1 ? alternatives.get(0) : new Alt(alternatives);
  }

  private Node concatenation() throws Unsupported {
    List<Node> items = new ArrayList<>();
    while (pos < limit && re.charAt(pos) != '|' && re.charAt(pos) != ')') {
      items.add(quantified(atom()));
    }
    return items.size() == 1 ? items.get(0) : new Concat(items);
  }

  private Node atom() throws Unsupported {
    char c = re.charAt(pos);
    switch (c) {
      case '(':
        pos++;
        if (re.startsWith("?:", pos)) {
          pos += 2;
        } else if (re.startsWith("?P<", pos)) {
          int close = re.indexOf('>', pos);
          if (close < 0 || close >= limit) {
            throw new Unsupported();
          }
          pos = close + 1;
        } else if (pos < limit && re.charAt(pos) == '?') {
          throw new Unsupported(); // flags, other group syntax
        }
        Node inner = alternation();
        if (pos >= limit || re.charAt(pos) != ')') {
          throw new Unsupported();
        }
        pos++;
        return inner;
      case '[':
        return bracketClass();
      case '.':
        pos++;
        return DOT;
      case '\\':
        pos++;
        Chars perl = perlClass();
        return perl != null ? perl : Chars.of(escapedChar());
      default:
        if (c >= 128 || "*+?{}])|^$".indexOf(c) >= 0) {
          throw new Unsupported();
        }
        pos++;
        return Chars.of(c);
    }
  }

  private Node quantified(Node atom) throws Unsupported {
    if (pos >= limit) {
      return atom;
    }
    int min;
    int max;
    switch (re.charAt(pos)) {
      case '*' -> { min = 0; max = -1; pos++; }
      case '+' -> { min = 1; max = -1; pos++; }
      case '?' -> { min = 0; max = 1; pos++; }
      case '{' -> {
        pos++;
        min = number();
        max = min;
        if (pos < limit && re.charAt(pos) == ',') {
          pos++;
          max = pos < limit && re.charAt(pos) == '}' ? -1 : number();
        }
        if (pos >= limit || re.charAt(pos) != '}' || (max != -1 && max < min) || max > MAX_REPEAT) {
          throw new Unsupported();
        }
        pos++;
      }
      default -> {
        return atom;
      }
    }
    if (pos < limit && re.charAt(pos) == '?') {
      pos++; // non-greedy: the same set of full matches
    }
    if (pos < limit && "*+?{".indexOf(re.charAt(pos)) >= 0) {
      throw new Unsupported();
    }
    return new Repeat(atom, min, max);
  }

  private int number() throws Unsupported {
    int start = pos;
    while (pos < limit && pos - start < 5 && Character.isDigit(re.charAt(pos)) && re.charAt(pos) < 128) {
      pos++;
    }
    if (pos == start || pos - start >= 5) {
      throw new Unsupported();
    }
    int n = Integer.parseInt(re, start, pos, 10);
    if (n > MAX_REPEAT) {
      throw new Unsupported();
    }
    return n;
  }

  /** After a backslash: {@code \d \D \w \W \s \S}, or {@code null} (position unchanged). */
  private Chars perlClass() throws Unsupported {
    if (pos >= limit) {
      throw new Unsupported();
    }
    Chars set = switch (re.charAt(pos)) {
      case 'd' -> DIGIT;
      case 'D' -> DIGIT.not();
      case 'w' -> WORD;
      case 'W' -> WORD.not();
      case 's' -> SPACE;
      case 'S' -> SPACE.not();
      default -> null;
    };
    if (set != null) {
      pos++;
    }
    return set;
  }

  /** After a backslash: an escaped punctuation character or {@code \n \t \r \f}. */
  private char escapedChar() throws Unsupported {
    if (pos >= limit) {
      throw new Unsupported();
    }
    char c = re.charAt(pos++);
    switch (c) {
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case 'r':
        return '\r';
      case 'f':
        return '\f';
      default:
        if (c < 128 && !Character.isLetterOrDigit(c)) {
          return c;
        }
        throw new Unsupported();
    }
  }

  private Chars bracketClass() throws Unsupported {
    pos++;
    boolean negate = pos < limit && re.charAt(pos) == '^';
    if (negate) {
      pos++;
    }
    if (pos < limit && re.charAt(pos) == ']') {
      throw new Unsupported(); // RE2 reads a leading ] as a literal
    }
    Chars set = Chars.NONE;
    boolean first = true;
    while (true) {
      if (pos >= limit) {
        throw new Unsupported();
      }
      char c = re.charAt(pos);
      if (c == ']') {
        pos++;
        break;
      }
      if (c == '[' || c >= 128) {
        throw new Unsupported(); // POSIX classes, non-ASCII
      }
      if (c == '-' && !first && !(pos + 1 < limit && re.charAt(pos + 1) == ']')) {
        throw new Unsupported();
      }
      first = false;
      if (c == '\\') {
        pos++;
        Chars perl = perlClass();
        if (perl != null) {
          set = set.or(perl);
          continue;
        }
      } else {
        pos++;
      }
      char from = c == '\\' ? escapedChar() : c;
      char to = from;
      if (pos + 1 < limit && re.charAt(pos) == '-' && re.charAt(pos + 1) != ']') {
        pos++;
        char h = re.charAt(pos++);
        if (h == '[' || h >= 128) {
          throw new Unsupported();
        }
        to = h == '\\' ? escapedChar() : h;
        if (to < from) {
          throw new Unsupported();
        }
      }
      set = set.or(Chars.range(from, to));
    }
    return negate ? set.not() : set;
  }
}
