package io.bowline.api.config;

/**
 * Envoy {@code type.v3.Int64Range}: the half-open interval {@code [start, end)}.
 *
 * @param start inclusive
 * @param end exclusive
 */
public record Int64Range(long start, long end) {
  /**
   * Whether {@code start <= value < end}.
   *
   * @param value the value to test
   * @return {@code true} if it is in {@code [start, end)}
   */
  public boolean contains(long value) {
    return value >= start && value < end;
  }
}
