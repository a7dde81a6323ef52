package io.bowline.api.config;

import java.util.Objects;

/**
 * One Envoy {@code RouteAction.HashPolicy}: where a consistent-hash load balancer
 * ({@code RING_HASH}, {@code MAGLEV}) takes the request's hash from.
 *
 * @param kind the policy kind
 * @param name header, cookie or query parameter name; {@code ""} for {@link Kind#SOURCE_IP}
 * @param terminal {@code terminal}: once this policy produced a hash, later ones are skipped
 */
public record HashPolicy(Kind kind, String name, boolean terminal) {
  /**
   * Checks the components.
   *
   * @param kind the policy kind
   * @param name header, cookie or query parameter name; {@code ""} for {@link Kind#SOURCE_IP}
   * @param terminal {@code terminal}: once this policy produced a hash, later ones are skipped
   * @throws NullPointerException if a required component is {@code null}
   * @throws IllegalArgumentException if a component is outside the range its description gives
   */
  public HashPolicy {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(name, "name");
    if (kind != Kind.SOURCE_IP && name.isEmpty()) {
      throw new IllegalArgumentException("hash_policy." + kind.name().toLowerCase() + ": name must not be empty");
    }
    if (kind == Kind.HEADER) {
      name = name.toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** Which {@code policy_specifier} is set. */
  public enum Kind {
    /** {@code header.header_name}: hash the header value (all values joined with ","). */
    HEADER,
    /** {@code cookie.name}: hash the cookie value. */
    COOKIE,
    /** {@code query_parameter.name}: hash the first value of the parameter. */
    QUERY_PARAMETER,
    /** {@code connection_properties.source_ip}: no downstream in a client library, never hashes. */
    SOURCE_IP
  }
}
