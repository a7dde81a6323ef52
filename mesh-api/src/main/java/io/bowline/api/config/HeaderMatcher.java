package io.bowline.api.config;

import java.util.Objects;

/**
 * Envoy {@code config.route.v3.HeaderMatcher}.
 *
 * <p>Exactly one of {@code stringMatch} and {@code presentMatch} is set (a matcher with no
 * specifier is {@code present_match: true}).
 *
 * @param name header name, lower case; pseudo-headers such as {@code :method} allowed
 * @param stringMatch {@code string_match} (or a deprecated {@code *_match}), or {@code null}
 * @param presentMatch {@code present_match}, or {@code null} when {@code stringMatch} is set
 * @param invertMatch {@code invert_match}
 * @param treatMissingHeaderAsEmpty {@code treat_missing_header_as_empty}
 */
public record HeaderMatcher(
    String name,
    StringMatcher stringMatch,
    Boolean presentMatch,
    boolean invertMatch,
    boolean treatMissingHeaderAsEmpty) {
  public HeaderMatcher {
    Objects.requireNonNull(name, "name");
    name = name.toLowerCase(java.util.Locale.ROOT);
    if ((stringMatch == null) == (presentMatch == null)) {
      throw new IllegalArgumentException(
          "header matcher " + name + ": exactly one of string_match and present_match must be set");
    }
  }

  /** A matcher on the value of a header. */
  public static HeaderMatcher of(String name, StringMatcher match) {
    return new HeaderMatcher(name, match, null, false, false);
  }

  /** {@code present_match: present}. */
  public static HeaderMatcher present(String name, boolean present) {
    return new HeaderMatcher(name, null, present, false, false);
  }
}
