package io.bowline.api.config;

import java.util.Objects;

/**
 * Envoy {@code config.core.v3.HeaderValueOption}: one header to add to a request or response.
 *
 * @param key header name, lower case
 * @param value header value
 * @param appendAction {@code append_action} (default {@link AppendAction#APPEND_IF_EXISTS_OR_ADD})
 */
public record HeaderValueOption(String key, String value, AppendAction appendAction) {
  /**
   * Checks the components.
   *
   * @param key header name, lower case
   * @param value header value
   * @param appendAction {@code append_action} (default {@link AppendAction#APPEND_IF_EXISTS_OR_ADD})
   * @throws NullPointerException if a required component is {@code null}
   * @throws IllegalArgumentException if a component is outside the range its description gives
   */
  public HeaderValueOption {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(appendAction, "appendAction");
    if (key.isEmpty()) {
      throw new IllegalArgumentException("header key must not be empty");
    }
    key = key.toLowerCase(java.util.Locale.ROOT);
  }

  /** Envoy {@code HeaderValueOption.HeaderAppendAction}. */
  public enum AppendAction {
    /** Append a value if the header exists, otherwise add it. */
    APPEND_IF_EXISTS_OR_ADD,
    /** Add only if the header is absent. */
    ADD_IF_ABSENT,
    /** Replace every existing value, or add. */
    OVERWRITE_IF_EXISTS_OR_ADD,
    /** Replace only if the header exists. */
    OVERWRITE_IF_EXISTS
  }
}
