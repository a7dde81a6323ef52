package io.bowline.runtime.routing;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.re2j.Pattern;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link RegexMatch}'s automaton agrees with re2j (the reference RE2 semantics) on the full-match
 * question: random patterns from the route-regex subset (plus some constructs outside it, which
 * must fall back to re2j), each checked on random inputs and on strings generated to match it,
 * including non-ASCII input. The cases come from a fixed seed, so a failure names its case and repeats.
 */
class RegexDfaPropertyTest {
  /** Input characters: what the patterns use, plus whitespace, a newline and non-ASCII. */
  private static final String ALPHABET = "ab/-_.09Z \n\té€";

  @Test
  void automatonAgreesWithRe2j() {
    Random random = new Random(4242);
    int[] matchedAll = new int[3];
    for (int i = 0; i < 3000; i++) {
      Case c = patternsWithInputs(random);
      Pattern reference = Pattern.compile(c.regex());
      RegexMatch match = new RegexMatch(c.regex());
      int matched = 0;
      for (String input : c.inputs()) {
        boolean expected = reference.matches(input);
        assertThat(match.matches(input)).as("case %d: /%s/ on \"%s\"", i, c.regex(), input).isEqualTo(expected);
        matched += expected ? 1 : 0;
      }
      matchedAll[matched == 0 ? 0 : matched < c.inputs().size() ? 1 : 2]++;
    }
    assertThat(matchedAll[1] + matchedAll[2]).as("cases where some input matched (none/some/all: %d/%d/%d)",
        matchedAll[0], matchedAll[1], matchedAll[2]).isGreaterThan(1000);
  }

  @Test
  void mostGeneratedPatternsUseTheAutomaton() {
    Random random = new Random(77);
    for (int i = 0; i < 300; i++) {
      String regex = patternsWithInputs(random).regex();
      boolean outside = regex.contains("(?i)") || regex.contains("\\b") || regex.contains("[[:") || regex.contains("\\pL");
      if (!outside) {
        assertThat(new RegexMatch(regex).usesAutomaton()).as("case %d: /%s/", i, regex).isTrue();
      }
    }
  }

  @Test
  void routeShapedRegexesUseTheAutomaton() {
    for (String regex : List.of("/regex199/[0-9]+/detail", "^/api/v[12]/users/[^/]+$", "/(foo|bar)/.*",
        "/static/.+\\.(css|js|png)", "[a-z0-9-]{1,63}", "/v\\d+/items/\\w+", "(?:/[^/]+){2,4}",
        "/(?P<id>[^/]+)/(?P<rest>.*)", "", UriTemplates.toRegex("/users/{id}/files/{path=**}"))) {
      assertThat(new RegexMatch(regex).usesAutomaton()).as("/%s/", regex).isTrue();
    }
  }

  @Test
  void otherSyntaxFallsBackToRe2j() {
    for (String regex : List.of("(?i)/api", "/a\\b", "[[:alpha:]]+", "\\pL+", "/é+", "a{,2}", "[]a]", "a]", "^a|^b")) {
      RegexMatch m = new RegexMatch(regex);
      assertThat(m.usesAutomaton()).as("/%s/", regex).isFalse();
    }
    assertThat(new RegexMatch("(?i)/api").matches("/API")).isTrue();
    assertThat(new RegexMatch("a{,2}").matches("a{,2}")).isTrue();
    assertThat(new RegexMatch("[]a]+").matches("]a]")).isTrue();
  }

  @Test
  void re2DefaultFlags() {
    assertThat(new RegexMatch("a.b").matches("a\nb")).isFalse();
    assertThat(new RegexMatch("a[^x]b").matches("a\nb")).isTrue();
    assertThat(new RegexMatch("a|ab").matches("ab")).isTrue();
    assertThat(new RegexMatch("/x/.*").matches("/x/é")).isTrue();
    assertThat(new RegexMatch("/x/[0-9]+").matches("/x/1?q=2", 4)).isTrue();
    assertThat(new RegexMatch("\\s").matches("\u000b")).isEqualTo(Pattern.matches("\\s", "\u000b"));
  }

  @Test
  void aLargeAutomatonFallsBackToRe2j() {
    String blowUp = "(a|b)*a(a|b){20}";
    RegexMatch m = new RegexMatch(blowUp);
    assertThat(m.usesAutomaton()).isFalse();
    assertThat(m.matches("a" + "b".repeat(20))).isTrue();
  }

  /** A generated pattern and the inputs it is checked on. */
  record Case(String regex, List<String> inputs) {}

  private static Case patternsWithInputs(Random random) {
    Gen g = new PatternGenerator(random).top();
    List<String> inputs = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      StringBuilder sb = new StringBuilder();
      g.sample(random, sb);
      inputs.add(sb.toString());
      inputs.add(mutate(random, sb.toString()));
    }
    for (int i = 0; i < 8; i++) {
      inputs.add(randomString(random, random.nextInt(8)));
    }
    return new Case(g.regex(), inputs);
  }

  private static String mutate(Random random, String s) {
    StringBuilder sb = new StringBuilder(s);
    int edits = 1 + random.nextInt(2);
    for (int i = 0; i < edits; i++) {
      int op = random.nextInt(3);
      int at = sb.length() == 0 ? 0 : random.nextInt(sb.length() + (op == 0 ? 1 : 0));
      if (op == 0 || sb.length() == 0) {
        sb.insert(Math.min(at, sb.length()), ALPHABET.charAt(random.nextInt(ALPHABET.length())));
      } else if (op == 1) {
        sb.deleteCharAt(at);
      } else {
        sb.setCharAt(at, ALPHABET.charAt(random.nextInt(ALPHABET.length())));
      }
    }
    return sb.toString();
  }

  private static String randomString(Random random, int length) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < length; i++) {
      sb.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
    }
    return sb.toString();
  }

  /** A generated pattern and a way to produce strings it (usually) matches. */
  interface Gen {
    String regex();

    void sample(Random random, StringBuilder out);
  }

  /** Random patterns over the subset, with an occasional construct outside it. */
  private static final class PatternGenerator {
    private static final String[] CLASSES = {
      "[ab]", "[^a/]", "[0-9]", "[a-c_]", "[\\w-]", "[\\d.]", "[^\\s]", "[-a]", "[\\-Z]", "\\d", "\\w", "\\s",
      "\\S", "\\W", "\\D", ".", "[^/]", "[\\n]", "[a\\]]", "[\\.]"
    };
    private static final String[] OUTSIDE = {"(?i)a", "\\b", "[[:alpha:]]", "\\pL"};
    private final Random random;
    private int groups;

    PatternGenerator(Random random) {
      this.random = random;
    }

    Gen top() {
      Gen body = alternation(3);
      boolean caret = random.nextInt(4) == 0;
      boolean dollar = random.nextInt(4) == 0;
      String regex = (caret ? "^" : "") + body.regex() + (dollar ? "$" : "");
      return gen(regex, body);
    }

    private Gen alternation(int depth) {
      int n = random.nextInt(5) == 0 ? 2 + random.nextInt(2) : 1;
      List<Gen> alts = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        alts.add(concatenation(depth));
      }
      String regex = String.join("|", alts.stream().map(Gen::regex).toList());
      return new Gen() {
        @Override
        public String regex() {
          return regex;
        }

        @Override
        public void sample(Random r, StringBuilder out) {
          alts.get(r.nextInt(alts.size())).sample(r, out);
        }
      };
    }

    private Gen concatenation(int depth) {
      int n = random.nextInt(5);
      List<Gen> items = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        Gen atom = atom(depth);
        boolean outside = List.of(OUTSIDE).contains(atom.regex());
        items.add(outside ? atom : quantified(atom));
      }
      String regex = String.join("", items.stream().map(Gen::regex).toList());
      return new Gen() {
        @Override
        public String regex() {
          return regex;
        }

        @Override
        public void sample(Random r, StringBuilder out) {
          items.forEach(g -> g.sample(r, out));
        }
      };
    }

    private Gen atom(int depth) {
      int k = random.nextInt(20);
      if (k < 7) {
        char c = "ab/-_.09Z".charAt(random.nextInt(9));
        return gen(c == '.' ? "\\." : String.valueOf(c), (r, out) -> out.append(c));
      }
      if (k < 13) {
        String cls = CLASSES[random.nextInt(CLASSES.length)];
        Pattern p = Pattern.compile(cls);
        return gen(cls, (r, out) -> out.append(member(r, p)));
      }
      if (k < 19 && depth > 0) {
        Gen inner = alternation(depth - 1);
        String open = switch (random.nextInt(3)) {
          case 0 -> "(";
          case 1 -> "(?:";
          default -> "(?P<g" + groups++ + ">";
        };
        return gen(open + inner.regex() + ")", inner);
      }
      String outside = OUTSIDE[random.nextInt(OUTSIDE.length)];
      return gen(outside, (r, out) -> out.append(outside.equals("(?i)a") ? "A" : "a"));
    }

    private Gen quantified(Gen atom) {
      int k = random.nextInt(12);
      int min;
      int max;
      String q;
      switch (k) {
        case 0 -> { min = 0; max = 3; q = "*"; }
        case 1 -> { min = 1; max = 3; q = "+"; }
        case 2 -> { min = 0; max = 1; q = "?"; }
        case 3 -> { min = random.nextInt(3); max = min; q = "{" + min + "}"; }
        case 4 -> { min = random.nextInt(3); max = min + 2; q = "{" + min + ",}"; }
        case 5 -> {
          min = random.nextInt(3);
          max = min + random.nextInt(3);
          q = "{" + min + "," + max + "}";
        }
        default -> {
          return atom;
        }
      }
      String lazy = random.nextInt(4) == 0 ? "?" : "";
      return new Gen() {
        @Override
        public String regex() {
          return atom.regex() + q + lazy;
        }

        @Override
        public void sample(Random r, StringBuilder out) {
          int times = min + r.nextInt(max - min + 1);
          for (int i = 0; i < times; i++) {
            atom.sample(r, out);
          }
        }
      };
    }

    private static char member(Random r, Pattern p) {
      for (int i = 0; i < 30; i++) {
        char c = ALPHABET.charAt(r.nextInt(ALPHABET.length()));
        if (p.matches(String.valueOf(c))) {
          return c;
        }
      }
      return 'a';
    }

    private interface Sampler {
      void sample(Random r, StringBuilder out);
    }

    private static Gen gen(String regex, Sampler sampler) {
      return new Gen() {
        @Override
        public String regex() {
          return regex;
        }

        @Override
        public void sample(Random r, StringBuilder out) {
          sampler.sample(r, out);
        }
      };
    }

    private static Gen gen(String regex, Gen samples) {
      return gen(regex, samples::sample);
    }
  }
}
