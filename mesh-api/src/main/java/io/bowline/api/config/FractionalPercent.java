package io.bowline.api.config;

/**
 * Envoy {@code type.v3.FractionalPercent} (also the {@code default_value} of a
 * {@code RuntimeFractionalPercent}; runtime keys are not used). The chance is
 * {@code numerator / denominator}; a draw {@code r} uniform in {@code [0, denominator)} fires when
 * {@code r < numerator}, so a numerator above the denominator always fires.
 *
 * @param numerator {@code numerator}, ≥ 0
 * @param denominator 100 ({@code HUNDRED}), 10000 ({@code TEN_THOUSAND}) or 1000000 ({@code MILLION})
 */
public record FractionalPercent(long numerator, long denominator) {
  /** Always: 100/100. */
  public static final FractionalPercent ALWAYS = new FractionalPercent(100, 100);
  /** Never: 0/100 (an unset fault percentage). */
  public static final FractionalPercent NEVER = new FractionalPercent(0, 100);

  /**
   * Checks the components.
   *
   * @param numerator {@code numerator}, ≥ 0
   * @param denominator 100 ({@code HUNDRED}), 10000 ({@code TEN_THOUSAND}) or 1000000 ({@code MILLION})
   * @throws IllegalArgumentException if a component is outside the range its description gives
   */
  public FractionalPercent {
    if (numerator < 0) {
      throw new IllegalArgumentException("numerator must be >= 0, was " + numerator);
    }
    if (denominator != 100 && denominator != 10_000 && denominator != 1_000_000) {
      throw new IllegalArgumentException("denominator must be 100, 10000 or 1000000, was " + denominator);
    }
  }

  /**
   * Whether a draw {@code r} in {@code [0, denominator)} fires.
   *
   * @param r a uniform draw in {@code [0, denominator)}
   * @return {@code true} if {@code r} falls within the numerator
   */
  public boolean fires(long r) {
    return r < numerator;
  }
}
