package io.bowline.samples.bookinfo;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The four steps of Istio's Bookinfo routing tasks, from one set of Istio YAML files:
 *
 * <ol>
 *   <li>all traffic to v1 (destination rules + a VirtualService per service);
 *   <li>user {@code jason} to reviews v2, everyone else to v1;
 *   <li>reviews split 50/50 between v1 and v3;
 *   <li>all reviews traffic to v3.
 * </ol>
 *
 * <p>Each step's config is {@code 10-<destination rules>}, {@code 20-<all v1>} and, from step 2 on,
 * {@code 30-<the step's file>}, whose VirtualService {@code reviews} replaces the one of step 1
 * because its file name sorts later (as {@code kubectl apply} of the later file would).
 *
 * @param source where the files came from, for messages
 * @param steps the steps, in order
 */
public record StepPlan(String source, List<Step> steps) {

  /** Istio's file names in {@code istio/istio}'s {@code samples/bookinfo/networking}, flattened. */
  static final String ISTIO_PREFIX = "samples__bookinfo__networking__";
  static final String ISTIO_DESTINATION_RULES = ISTIO_PREFIX + "destination-rule-all.yaml";
  static final String ISTIO_ALL_V1 = ISTIO_PREFIX + "virtual-service-all-v1.yaml";
  static final String ISTIO_JASON_V2 = ISTIO_PREFIX + "virtual-service-reviews-test-v2.yaml";
  static final String ISTIO_50_V3 = ISTIO_PREFIX + "virtual-service-reviews-50-v3.yaml";
  static final String ISTIO_V3 = ISTIO_PREFIX + "virtual-service-reviews-v3.yaml";

  public StepPlan {
    steps = List.copyOf(steps);
  }

  /** The steps on this project's own YAML, class-path resources under {@code bookinfo/}. */
  public static StepPlan ownYaml() {
    return plan(
        "class path bookinfo/*.yaml",
        resource("destination-rules.yaml"),
        resource("vs-all-v1.yaml"),
        resource("vs-reviews-jason-v2.yaml"),
        resource("vs-reviews-50-v1-v3.yaml"),
        resource("vs-reviews-v3.yaml"));
  }

  /**
   * The steps on Istio's own files, unchanged, read from {@code dir}.
   *
   * @param dir a directory holding {@code samples__bookinfo__networking__destination-rule-all.yaml},
   *     {@code ..._virtual-service-all-v1.yaml}, {@code ..._virtual-service-reviews-test-v2.yaml},
   *     {@code ..._virtual-service-reviews-50-v3.yaml} and {@code ..._virtual-service-reviews-v3.yaml}
   * @throws IllegalArgumentException naming the files that are missing
   * @throws UncheckedIOException if a file cannot be read
   */
  public static StepPlan istio(Path dir) {
    List<String> names = List.of(ISTIO_DESTINATION_RULES, ISTIO_ALL_V1, ISTIO_JASON_V2, ISTIO_50_V3, ISTIO_V3);
    List<String> missing = names.stream().filter(name -> !Files.isRegularFile(dir.resolve(name))).toList();
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException("--istio-dir " + dir + " lacks Istio's Bookinfo files " + missing);
    }
    List<Source> sources = read(dir, names);
    return plan(dir.toString(), sources.get(0), sources.get(1), sources.get(2), sources.get(3), sources.get(4));
  }

  /** Reads Istio's files {@code names} from {@code dir}, naming the missing ones. */
  static List<Source> read(Path dir, List<String> names) {
    List<String> missing = names.stream().filter(name -> !Files.isRegularFile(dir.resolve(name))).toList();
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException("--istio-dir " + dir + " lacks Istio's Bookinfo files " + missing);
    }
    List<Source> sources = new ArrayList<>();
    for (String name : names) {
      Path file = dir.resolve(name);
      try {
        sources.add(new Source(name, file.toString(), Files.readAllBytes(file)));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + file, e);
      }
    }
    return sources;
  }

  private static StepPlan plan(
      String source, Source destinationRules, Source allV1, Source jasonV2, Source fiftyV1V3, Source allV3) {
    ConfigFile rules = destinationRules.as("10-");
    ConfigFile v1 = allV1.as("20-");
    Expectation onlyV1 = Expectation.all("v1");
    Expectation halfV1HalfV3 = Expectation.split("v1", 50, "v3", 50);
    Expectation onlyV3 = Expectation.all("v3");
    return new StepPlan(source, List.of(
        new Step("1 all to v1", List.of(rules, v1),
            Map.of(Caller.JASON, onlyV1, Caller.ANONYMOUS, onlyV1)),
        new Step("2 jason to v2", List.of(rules, v1, jasonV2.as("30-")),
            Map.of(Caller.JASON, Expectation.all("v2"), Caller.ANONYMOUS, onlyV1)),
        new Step("3 50/50 v1/v3", List.of(rules, v1, fiftyV1V3.as("30-")),
            Map.of(Caller.JASON, halfV1HalfV3, Caller.ANONYMOUS, halfV1HalfV3)),
        new Step("4 all to v3", List.of(rules, v1, allV3.as("30-")),
            Map.of(Caller.JASON, onlyV3, Caller.ANONYMOUS, onlyV3))));
  }

  /** The steps measured through the ingress gateway: all to v1, and the 50/50 v1/v3 split. */
  public StepPlan frontDoor() {
    return new StepPlan(source + ", through the ingress gateway", List.of(steps.get(0), steps.get(2)));
  }

  static Source resource(String name) {
    String path = "bookinfo/" + name;
    try (InputStream in = StepPlan.class.getClassLoader().getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("class-path resource " + path + " is missing");
      }
      return new Source(name, "classpath:" + path, in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read class-path resource " + path, e);
    }
  }

  /** A YAML file before it is given its numbered name in the config directory. */
  record Source(String name, String origin, byte[] content) {
    ConfigFile as(String prefix) {
      return new ConfigFile(prefix + name, origin, content);
    }
  }
}
