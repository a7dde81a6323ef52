package io.bowline.api.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The rate limit descriptors a route can send: its {@code RouteAction.rate_limits}, its virtual
 * host's {@code rate_limits}, and how they combine ({@code include_vh_rate_limits}, and the
 * {@code vh_rate_limits} and {@code domain} of the route's
 * {@code typed_per_filter_config["envoy.filters.http.ratelimit"]}, Envoy's
 * {@code RateLimitPerRoute}).
 *
 * @param route the route's {@code rate_limits}
 * @param virtualHost the virtual host's {@code rate_limits}
 * @param includeVirtualHost the route's {@code include_vh_rate_limits}: the virtual host's entries
 *     are included whatever a filter's option says
 * @param virtualHostOption {@code RateLimitPerRoute.vh_rate_limits}: how the global filter combines
 *     the virtual host's entries with the route's
 * @param domain {@code RateLimitPerRoute.domain}, or {@code null} for the filter's
 */
public record RouteRateLimits(List<RateLimit> route, List<RateLimit> virtualHost, boolean includeVirtualHost,
    VirtualHostOption virtualHostOption, String domain) {
  /** No descriptors, the filter's domain. */
  public static final RouteRateLimits NONE =
      new RouteRateLimits(List.of(), List.of(), false, VirtualHostOption.OVERRIDE, null);

  /**
   * Envoy {@code RateLimitPerRoute.VhRateLimitsOptions}, or {@code INCLUDE} when the route sets
   * {@code include_vh_rate_limits}.
   */
  public enum VirtualHostOption {
    /** The virtual host's entries only when the route has none (Envoy's default). */
    OVERRIDE,
    /** The route's entries, then the virtual host's. */
    INCLUDE,
    /** The route's entries only. */
    IGNORE
  }

  /**
   * Checks the components and keeps immutable copies of the lists.
   *
   * @param route the route's {@code rate_limits}
   * @param virtualHost the virtual host's {@code rate_limits}
   * @param includeVirtualHost {@code include_vh_rate_limits}
   * @param virtualHostOption how they combine for the global filter
   * @param domain the per-route domain, or {@code null}
   * @throws NullPointerException if a list or the option is {@code null}
   */
  public RouteRateLimits {
    route = List.copyOf(route);
    virtualHost = List.copyOf(virtualHost);
    Objects.requireNonNull(virtualHostOption, "virtualHostOption");
  }

  /**
   * The entries of {@code stage} that the global filter uses, the route's first.
   *
   * @param stage the filter's {@code stage}
   * @return the entries, possibly empty
   */
  public List<RateLimit> entries(int stage) {
    return entries(stage, virtualHostOption);
  }

  /**
   * The entries of {@code stage}, the route's first, the virtual host's as {@code option} says
   * (always with {@code include_vh_rate_limits}).
   *
   * @param stage the filter's {@code stage}
   * @param option the filter's {@code vh_rate_limits}
   * @return the entries, possibly empty
   */
  public List<RateLimit> entries(int stage, VirtualHostOption option) {
    VirtualHostOption o = includeVirtualHost ? VirtualHostOption.INCLUDE : option;
    List<RateLimit> out = new ArrayList<>();
    add(out, route, stage);
    if (o == VirtualHostOption.INCLUDE || o == VirtualHostOption.OVERRIDE && route.isEmpty()) {
      add(out, virtualHost, stage);
    }
    return out;
  }

  private static void add(List<RateLimit> out, List<RateLimit> from, int stage) {
    for (RateLimit r : from) {
      if (r.stage() == stage) {
        out.add(r);
      }
    }
  }

  /**
   * A copy with the virtual host's entries.
   *
   * @param vh the virtual host's {@code rate_limits}
   * @return the copy
   */
  public RouteRateLimits withVirtualHost(List<RateLimit> vh) {
    return new RouteRateLimits(route, vh, includeVirtualHost, virtualHostOption, domain);
  }
}
