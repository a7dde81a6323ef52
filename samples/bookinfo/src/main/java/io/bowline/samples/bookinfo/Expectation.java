package io.bowline.samples.bookinfo;

import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The share of reviews versions a caller should see in one step: Istio's route weights, in percent
 * (0–100, summing to 100).
 *
 * <p>A version weighted 0 or 100 must be observed at exactly 0% or 100% (routing by header or a
 * single destination is deterministic). A version weighted in between is a binomial draw: over
 * {@code n} requests its observed share must lie within {@value #SIGMAS} standard deviations,
 * {@code w ± 4.5·sqrt(p(1-p)/n)·100} with {@code p = w/100}.
 *
 * @param weights percent by reviews version ({@code v1}, {@code v2}, {@code v3}); versions not
 *     listed are expected at 0%
 */
public record Expectation(Map<String, Integer> weights) {

  /** Tolerance of a weighted split, in standard deviations of the binomial share. */
  public static final double SIGMAS = 4.5;

  public Expectation {
    weights = Map.copyOf(weights);
    int sum = weights.values().stream().mapToInt(Integer::intValue).sum();
    if (sum != 100 || weights.values().stream().anyMatch(w -> w < 0)) {
      throw new IllegalArgumentException("weights must be 0–100 and sum to 100: " + weights);
    }
  }

  /** All traffic to one version. */
  public static Expectation all(String version) {
    return new Expectation(Map.of(version, 100));
  }

  /** Traffic split between two versions, weights in percent. */
  public static Expectation split(String first, int firstWeight, String second, int secondWeight) {
    return new Expectation(Map.of(first, firstWeight, second, secondWeight));
  }

  /** The expected weight of {@code version}, in percent. */
  public int weight(String version) {
    return weights.getOrDefault(version, 0);
  }

  /** The band the observed share of {@code version} (percent) must fall in over {@code requests}. */
  public Band band(String version, int requests) {
    int weight = weight(version);
    if (weight == 0 || weight == 100) {
      return new Band(weight, weight);
    }
    double p = weight / 100.0;
    double half = SIGMAS * Math.sqrt(p * (1 - p) / requests) * 100;
    return new Band(Math.max(0, weight - half), Math.min(100, weight + half));
  }

  /** E.g. {@code v1 100%} or {@code v1 50±15.9%, v3 50±15.9%}. */
  public String describe(int requests) {
    return new TreeMap<>(weights).entrySet().stream()
        .map(e -> {
          Band band = band(e.getKey(), requests);
          return band.low() == band.high()
              ? e.getKey() + " " + e.getValue() + "%"
              : String.format("%s %d±%.1f%%", e.getKey(), e.getValue(), (band.high() - band.low()) / 2);
        })
        .collect(Collectors.joining(", "));
  }

  /**
   * An inclusive range of shares, in percent.
   *
   * @param low lowest accepted share, percent
   * @param high highest accepted share, percent
   */
  public record Band(double low, double high) {
    /** Whether {@code share} (percent) lies in the band. */
    public boolean contains(double share) {
      return share >= low - 1e-9 && share <= high + 1e-9;
    }
  }
}
