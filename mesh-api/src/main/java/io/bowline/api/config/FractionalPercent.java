package io.bowline.api.config;

/**
 * Envoy {@code type.v3.FractionalPercent} (also the {@code default_value} of a
 * {@code RuntimeFractionalPercent}; runtime keys are not used). The chance is
 * {@code numerator / denominator}; a draw {@code r} in {@code [0, denominator)} applies when
 * {@code r < numerator}.
 *
 * @param numerator {@code numerator}, ≥ 0 (values above the denominator mean always)
 * @param denominator 100, 10,000 or 1,000,000 ({@code HUNDRED}, {@code TEN_THOUSAND}, {@code MILLION})
 */
public record FractionalPercent(long numerator, long denominator) {
  public FractionalPercent {
    if (numerator < 0) {
      throw new IllegalArgumentException("numerator must be >= 0, was " + numerator);
    }
    if (denominator != 100 && denominator != 10_000 && denominator != 1_000_000) {
      throw new IllegalArgumentException("denominator must be 100, 10000 or 1000000, was " + denominator);
    }
  }
}
