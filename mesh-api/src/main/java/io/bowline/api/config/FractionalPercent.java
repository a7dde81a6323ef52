package io.bowline.api.config;

/**
 * Envoy {@code type.v3.FractionalPercent}: {@code numerator / denominator}, where the denominator
 * is 100, 10,000 or 1,000,000. A draw {@code r} uniform in {@code [0, denominator)} fires when
 * {@code r < numerator}; a numerator above the denominator is capped (always fires).
 *
 * @param numerator ≥ 0
 * @param denominator 100 ({@code HUNDRED}), 10000 ({@code TEN_THOUSAND}) or 1000000 ({@code MILLION})
 */
public record FractionalPercent(long numerator, int denominator) {
  /** Always: 100/100. */
  public static final FractionalPercent ALWAYS = new FractionalPercent(100, 100);
  /** Never: 0/100 (an unset fault percentage). */
  public static final FractionalPercent NEVER = new FractionalPercent(0, 100);

  public FractionalPercent {
    if (numerator < 0) {
      throw new IllegalArgumentException("numerator must be >= 0, was " + numerator);
    }
    if (denominator != 100 && denominator != 10_000 && denominator != 1_000_000) {
      throw new IllegalArgumentException("denominator must be 100, 10000 or 1000000, was " + denominator);
    }
  }

  /** Whether a draw {@code r} in {@code [0, denominator)} fires. */
  public boolean fires(long r) {
    return r < numerator;
  }
}
