package io.bowline.api.config;

import java.util.Objects;

/**
 * Envoy {@code config.route.v3.HeaderMatcher}.
 *
 * <p>Exactly one of {@code stringMatch}, {@code presentMatch} and {@code rangeMatch} is set (a
 * matcher with no specifier is {@code present_match: true}).
 *
 * @param name header name, lower case; pseudo-headers such as {@code :method} allowed
 * @param stringMatch {@code string_match} (or a deprecated {@code *_match}), or {@code null}
 * @param presentMatch {@code present_match}, or {@code null} when another specifier is set
 * @param invertMatch {@code invert_match}
 * @param treatMissingHeaderAsEmpty {@code treat_missing_header_as_empty}
 * @param rangeMatch {@code range_match}: the whole value is a base-10 integer in {@code [start, end)}
 */
public record HeaderMatcher(
    String name,
    StringMatcher stringMatch,
    Boolean presentMatch,
    boolean invertMatch,
    boolean treatMissingHeaderAsEmpty,
    Int64Range rangeMatch) {
  /**
   * Checks the components.
   *
   * @param name header name, lower case; pseudo-headers such as {@code :method} allowed
   * @param stringMatch {@code string_match} (or a deprecated {@code *_match}), or {@code null}
   * @param presentMatch {@code present_match}, or {@code null} when another specifier is set
   * @param invertMatch {@code invert_match}
   * @param treatMissingHeaderAsEmpty {@code treat_missing_header_as_empty}
   * @param rangeMatch {@code range_match}: the whole value is a base-10 integer in {@code [start, end)}
   * @throws NullPointerException if a required component is {@code null}
   * @throws IllegalArgumentException if a component is outside the range its description gives
   */
  public HeaderMatcher {
    Objects.requireNonNull(name, "name");
    name = name.toLowerCase(java.util.Locale.ROOT);
    int set = (stringMatch != null ? 1 : 0) + (presentMatch != null ? 1 : 0) + (rangeMatch != null ? 1 : 0);
    if (set != 1) {
      throw new IllegalArgumentException(
          "header matcher " + name + ": exactly one of string_match, present_match and range_match must be set");
    }
  }

  /**
   * A string or presence matcher.
   *
   * @param name header name, lower case; pseudo-headers such as {@code :method} allowed
   * @param stringMatch {@code string_match} (or a deprecated {@code *_match}), or {@code null}
   * @param presentMatch {@code present_match}, or {@code null} when another specifier is set
   * @param invertMatch {@code invert_match}
   * @param treatMissingHeaderAsEmpty {@code treat_missing_header_as_empty}
   */
  public HeaderMatcher(
      String name, StringMatcher stringMatch, Boolean presentMatch, boolean invertMatch, boolean treatMissingHeaderAsEmpty) {
    this(name, stringMatch, presentMatch, invertMatch, treatMissingHeaderAsEmpty, null);
  }

  /**
   * A matcher on the value of a header.
   *
   * @param name header name, lower case; pseudo-headers such as {@code :method} allowed
   * @param match how the value must match
   * @return the matcher
   */
  public static HeaderMatcher of(String name, StringMatcher match) {
    return new HeaderMatcher(name, match, null, false, false, null);
  }

  /**
   * {@code present_match: present}.
   *
   * @param name header name, lower case; pseudo-headers such as {@code :method} allowed
   * @param present {@code true}: the header must be present; {@code false}: absent
   * @return the matcher
   */
  public static HeaderMatcher present(String name, boolean present) {
    return new HeaderMatcher(name, null, present, false, false, null);
  }

  /**
   * {@code range_match: [start, end)}.
   *
   * @param name header name, lower case; pseudo-headers such as {@code :method} allowed
   * @param start inclusive lower bound of the integer value
   * @param end exclusive upper bound
   * @return the matcher
   */
  public static HeaderMatcher range(String name, long start, long end) {
    return new HeaderMatcher(name, null, null, false, false, new Int64Range(start, end));
  }
}
