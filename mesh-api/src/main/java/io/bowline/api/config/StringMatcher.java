package io.bowline.api.config;

import java.util.Objects;

/**
 * Envoy {@code type.matcher.v3.StringMatcher}.
 *
 * @param kind which of the {@code match_pattern} fields is set
 * @param value the pattern (for {@link Kind#REGEX}, an RE2 regex matched in full)
 * @param ignoreCase {@code ignore_case}; never applies to {@link Kind#REGEX}
 */
public record StringMatcher(Kind kind, String value, boolean ignoreCase) {
  /**
   * Checks the components.
   *
   * @param kind which of the {@code match_pattern} fields is set
   * @param value the pattern (for {@link Kind#REGEX}, an RE2 regex matched in full)
   * @param ignoreCase {@code ignore_case}; never applies to {@link Kind#REGEX}
   * @throws NullPointerException if a required component is {@code null}
   * @throws IllegalArgumentException if a component is outside the range its description gives
   */
  public StringMatcher {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(value, "value");
    if (value.isEmpty() && (kind == Kind.PREFIX || kind == Kind.SUFFIX || kind == Kind.CONTAINS)) {
      throw new IllegalArgumentException(kind.name().toLowerCase() + " must not be empty");
    }
  }

  /** {@code exact}, {@code prefix}, {@code suffix}, {@code contains}, {@code safe_regex}. */
  public enum Kind {
    /** {@code exact}: the whole value. */
    EXACT,
    /** {@code prefix}: the value starts with it. */
    PREFIX,
    /** {@code suffix}: the value ends with it. */
    SUFFIX,
    /** {@code contains}: the value contains it. */
    CONTAINS,
    /** {@code safe_regex}: RE2, full match. */
    REGEX
  }
}
