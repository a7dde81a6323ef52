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
  public StringMatcher {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(value, "value");
    if (value.isEmpty() && (kind == Kind.PREFIX || kind == Kind.SUFFIX || kind == Kind.CONTAINS)) {
      throw new IllegalArgumentException(kind.name().toLowerCase() + " must not be empty");
    }
  }

  /** {@code exact}, {@code prefix}, {@code suffix}, {@code contains}, {@code safe_regex}. */
  public enum Kind {
    EXACT,
    PREFIX,
    SUFFIX,
    CONTAINS,
    REGEX
  }
}
