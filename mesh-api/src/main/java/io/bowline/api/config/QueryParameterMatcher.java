package io.bowline.api.config;

import java.util.Objects;

/**
 * Envoy {@code config.route.v3.QueryParameterMatcher}. Only the first value of a repeated key
 * counts, and values are compared as they appear in the URL (still percent-encoded).
 *
 * @param name the query parameter name, compared exactly (encoded form)
 * @param stringMatch {@code string_match}, or {@code null} for a presence match
 * @param presentMatch {@code present_match}; with no {@code stringMatch} the parameter must be present
 */
public record QueryParameterMatcher(String name, StringMatcher stringMatch, boolean presentMatch) {
  /**
   * Checks the components.
   *
   * @param name the query parameter name, compared exactly (encoded form)
   * @param stringMatch {@code string_match}, or {@code null} for a presence match
   * @param presentMatch {@code present_match}; with no {@code stringMatch} the parameter must be present
   * @throws NullPointerException if a required component is {@code null}
   * @throws IllegalArgumentException if a component is outside the range its description gives
   */
  public QueryParameterMatcher {
    Objects.requireNonNull(name, "name");
    if (name.isEmpty()) {
      throw new IllegalArgumentException("query parameter matcher: name must not be empty");
    }
  }
}
