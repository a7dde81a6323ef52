package io.bowline.controlplane;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.BiFunction;

/**
 * A seeded generator of hostile variants of an Istio YAML file: type confusion, missing and huge values,
 * unknown kinds, duplicates, deep nesting, aliases (recursive and doubling), invalid UTF-8, CRLF, unicode,
 * truncation. The same seed gives the same variants.
 */
final class YamlMutator {

  /** One generated file: its bytes and the mutations applied, for naming a failing case. */
  record Variant(String name, byte[] bytes) {}

  private record Mutation(String name, BiFunction<String, Random, String> apply) {}

  private static final String[] ODD_TEXT = {"\u200b", "\u202e", "\ud83d\ude00", "\u0000", "\u00e9", "\ufeff",
      "\t", "\\", "'", "\"", "#", "&a", "*a", "!!binary", "{", "[", "- ", ": ", "%YAML 1.1", "---", "...",
      "\u2028"};
  private static final String[] ODD_VALUES = {"[1, 2]", "{a: b}", "null", "~", "-1", "0", "65536", "1e309",
      "0x10", "true", "\"\"", "999.1.1.1", "fe80::1%eth0", "9223372036854775807h", "-5s", "'*'", "[]", "{}",
      "\":path\"", "\"a/b\"", ".inf", ".nan", "2147483648", "-2147483649", "\"(unclosed\""};
  private static final String[] KINDS = {"virtualservice", "VirtualService ", "DestinatonRule", "Frobnicator",
      "\"\"", "[VirtualService]", "ServiceEntry", "Secret", "{a: b}", "WorkloadEntry", "Sidecar"};

  private static final List<Mutation> MUTATIONS = List.of(
      new Mutation("type-confusion", (text, random) -> replaceValue(text, random, pick(random, ODD_VALUES))),
      new Mutation("drop-line", (text, random) -> editLine(text, random, line -> null)),
      new Mutation("huge-value", (text, random) -> replaceValue(text, random,
          random.nextBoolean() ? "x".repeat(20_000 + random.nextInt(80_000)) : "9".repeat(400))),
      new Mutation("kind", (text, random) -> text.replaceFirst("(?m)^kind: .*$", "kind: " + pick(random, KINDS))),
      new Mutation("api-version", (text, random) -> text.replaceFirst("(?m)^apiVersion: .*$",
          "apiVersion: " + pick(random, new String[] {"/", "networking.istio.io", "v1", "x/y/z", "\"\""}))),
      new Mutation("duplicate-line", (text, random) -> editLine(text, random, line -> line + "\n" + line)),
      new Mutation("duplicate-document", (text, random) -> text + "\n---\n" + text),
      new Mutation("deep-nesting", (text, random) -> replaceValue(text, random,
          "[".repeat(20 + random.nextInt(200)) + "]".repeat(0))),
      new Mutation("deep-mapping", (text, random) -> text + "\nspec:\n" + deepMapping(30 + random.nextInt(40))),
      new Mutation("recursive-alias", (text, random) -> text.replaceFirst("(?m)^spec:", "spec: &r")
          + (text.contains("\nspec:") ? "\nloop: *r\n" : "")),
      new Mutation("alias-chain", (text, random) -> text + "\n---\n" + aliasChain(10 + random.nextInt(20))),
      new Mutation("invalid-utf8", (text, random) -> text),
      new Mutation("crlf", (text, random) -> text.replace("\n", "\r\n")),
      new Mutation("unicode", (text, random) -> insert(text, random, pick(random, ODD_TEXT))),
      new Mutation("indent", (text, random) -> editLine(text, random,
          line -> random.nextBoolean() ? " " + line : line.replaceFirst("^ {1,2}", ""))),
      new Mutation("truncate", (text, random) -> text.substring(0, random.nextInt(text.length() + 1))),
      new Mutation("tab", (text, random) -> editLine(text, random, line -> line.replaceFirst("^ ", "\t"))));

  private final Random random;

  YamlMutator(long seed) {
    this.random = new Random(seed);
  }

  /** One variant of {@code source}: one to three mutations. */
  Variant mutate(String sourceName, String source) {
    String text = source;
    List<String> applied = new ArrayList<>();
    boolean badUtf8 = false;
    int count = 1 + random.nextInt(3);
    for (int i = 0; i < count; i++) {
      Mutation mutation = MUTATIONS.get(random.nextInt(MUTATIONS.size()));
      applied.add(mutation.name());
      badUtf8 |= mutation.name().equals("invalid-utf8");
      text = mutation.apply().apply(text, random);
    }
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    if (badUtf8 && bytes.length > 0) {
      bytes[random.nextInt(bytes.length)] = (byte) (0x80 + random.nextInt(0x80));
    }
    return new Variant(sourceName + " " + applied, bytes);
  }

  private static String pick(Random random, String[] values) {
    return values[random.nextInt(values.length)];
  }

  private static String editLine(String text, Random random, java.util.function.UnaryOperator<String> edit) {
    List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
    int at = random.nextInt(lines.size());
    String edited = edit.apply(lines.get(at));
    if (edited == null) {
      lines.remove(at);
    } else {
      lines.set(at, edited);
    }
    return String.join("\n", lines);
  }

  /** Replaces the value of a random {@code key: value} line. */
  private static String replaceValue(String text, Random random, String value) {
    List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
    List<Integer> candidates = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).matches("\\s*-?\\s*[\\w.\"-]+: .+")) {
        candidates.add(i);
      }
    }
    if (candidates.isEmpty()) {
      return text;
    }
    int at = candidates.get(random.nextInt(candidates.size()));
    String line = lines.get(at);
    lines.set(at, line.substring(0, line.indexOf(": ") + 2) + value);
    return String.join("\n", lines);
  }

  private static String insert(String text, Random random, String fragment) {
    int at = random.nextInt(text.length() + 1);
    return text.substring(0, at) + fragment + text.substring(at);
  }

  private static String deepMapping(int depth) {
    StringBuilder yaml = new StringBuilder();
    for (int i = 0; i < depth; i++) {
      yaml.append("  ".repeat(i + 1)).append("k").append(i).append(":\n");
    }
    return yaml.append("  ".repeat(depth + 1)).append("v: 1\n").toString();
  }

  private static String aliasChain(int levels) {
    StringBuilder yaml = new StringBuilder("apiVersion: networking.istio.io/v1\nkind: VirtualService\n"
        + "metadata: {name: chain}\nspec:\n  hosts: [reviews]\n  a0: &a0 [x, x]\n");
    for (int i = 1; i <= levels; i++) {
      yaml.append("  a").append(i).append(": &a").append(i).append(" [*a").append(i - 1).append(", *a")
          .append(i - 1).append("]\n");
    }
    return yaml.toString();
  }
}
