package io.bowline.runtime.filter.ratelimit;

import io.bowline.api.config.HeaderValueOption;
import io.bowline.api.config.LocalRateLimitPolicy;
import io.bowline.api.filter.Exchange;
import io.bowline.api.filter.ExchangeResponse;
import io.bowline.api.filter.HttpFilter;
import io.bowline.runtime.filter.common.ratelimit.LocalRateLimiter;
import io.bowline.runtime.filter.common.ratelimit.RateLimitDescriptors;
import io.bowline.runtime.pipeline.LocalResponse;
import io.bowline.runtime.pipeline.MeshExchange;
import io.bowline.runtime.pipeline.ResponseFlags;
import io.bowline.runtime.pipeline.RouteChain;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@code envoy.filters.http.local_ratelimit}: the route's {@link LocalRateLimiter} (its
 * {@code typed_per_filter_config}, else its virtual host's, else the listener's filter config) takes
 * a token per request. With none left, an enforced request is answered locally with the config's
 * {@code status} (429 by default), flag {@code RL}, {@code x-envoy-ratelimited: true} and
 * {@code response_headers_to_add}; gRPC calls get the status mapped from it, or
 * {@code RESOURCE_EXHAUSTED} with {@code rate_limited_as_resource_exhausted}. A limited request that
 * is not enforced goes on with {@code request_headers_to_add_when_not_enforced}. With
 * {@code descriptors}, the request's descriptors (from the route's {@code rate_limits} of the
 * config's {@code stage}, or the config's own {@code rate_limits}) pick the buckets that apply
 * ({@link LocalRateLimiter#decide(java.util.List)}).
 */
public final class LocalRateLimitFilter implements HttpFilter {
  /** Envoy's name of the filter. */
  public static final String NAME = "envoy.filters.http.local_ratelimit";
  /** Envoy's header on rate-limited replies. */
  public static final String RATE_LIMITED_HEADER = "x-envoy-ratelimited";
  /** The one instance: the buckets are in each route's compiled chain. */
  public static final LocalRateLimitFilter INSTANCE = new LocalRateLimitFilter();

  private static final int RESOURCE_EXHAUSTED = 8;

  private LocalRateLimitFilter() {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public CompletionStage<ExchangeResponse> filter(Exchange exchange, Next next) {
    RouteChain chain = ((MeshExchange) exchange).chain();
    LocalRateLimiter limiter = chain.localRateLimit();
    if (limiter == null) {
      return next.proceed(exchange);
    }
    RateLimitDescriptors descriptors = chain.localRateLimitDescriptors();
    LocalRateLimiter.Decision decision = limiter.hasDescriptors() && !descriptors.isEmpty()
        ? limiter.decide(descriptors.populate(exchange, exchange.clusterName()))
        : limiter.decide();
    switch (decision) {
      case LIMITED:
        return CompletableFuture.completedFuture(reply(limiter.policy()));
      case LIMITED_NOT_ENFORCED:
        for (HeaderValueOption h : limiter.policy().requestHeadersWhenNotEnforced()) {
          addRequestHeader(exchange, h);
        }
        return next.proceed(exchange);
      default:
        return next.proceed(exchange);
    }
  }

  /** The local reply to a rate-limited request. */
  static LocalResponse reply(LocalRateLimitPolicy p) {
    Map<String, String> headers = new HashMap<>();
    headers.put(RATE_LIMITED_HEADER, "true");
    for (HeaderValueOption h : p.responseHeaders()) {
      apply(headers, h);
    }
    return new LocalResponse(p.status(), ResponseFlags.RL, "local_rate_limited", headers,
        p.rateLimitedAsResourceExhausted() ? RESOURCE_EXHAUSTED : -1, null);
  }

  /** Applies one {@code HeaderValueOption} to a local reply's headers, as its append action says. */
  static void apply(Map<String, String> headers, HeaderValueOption h) {
    String old = headers.get(h.key());
    switch (h.appendAction()) {
      case APPEND_IF_EXISTS_OR_ADD:
        headers.put(h.key(), old == null ? h.value() : old + "," + h.value());
        break;
      case ADD_IF_ABSENT:
        headers.putIfAbsent(h.key(), h.value());
        break;
      case OVERWRITE_IF_EXISTS:
        headers.replace(h.key(), h.value());
        break;
      default:
        headers.put(h.key(), h.value());
    }
  }

  /** Applies one {@code HeaderValueOption} to the request, as its append action says. */
  static void addRequestHeader(Exchange exchange, HeaderValueOption h) {
    boolean present = exchange.header(h.key()) != null;
    switch (h.appendAction()) {
      case APPEND_IF_EXISTS_OR_ADD:
        exchange.addHeader(h.key(), h.value());
        break;
      case ADD_IF_ABSENT:
        if (!present) {
          exchange.setHeader(h.key(), h.value());
        }
        break;
      case OVERWRITE_IF_EXISTS:
        if (present) {
          exchange.setHeader(h.key(), h.value());
        }
        break;
      default:
        exchange.setHeader(h.key(), h.value());
    }
  }
}
