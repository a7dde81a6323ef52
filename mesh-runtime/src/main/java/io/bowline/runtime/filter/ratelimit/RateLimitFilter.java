package io.bowline.runtime.filter.ratelimit;

import io.bowline.api.config.GlobalRateLimitPolicy;
import io.bowline.api.config.HeaderValueOption;
import io.bowline.api.filter.Exchange;
import io.bowline.api.filter.ExchangeResponse;
import io.bowline.api.filter.HttpFilter;
import io.bowline.runtime.filter.common.ratelimit.LocalRateLimiter;
import io.bowline.runtime.filter.common.ratelimit.RateLimitDescriptors;
import io.bowline.runtime.pipeline.LocalResponse;
import io.bowline.runtime.pipeline.MeshExchange;
import io.bowline.runtime.pipeline.OutboundRouter;
import io.bowline.runtime.pipeline.ResponseFlags;
import io.bowline.runtime.pipeline.RoutedCall;
import io.bowline.runtime.upstream.ClusterEntry;
import io.bowline.runtime.upstream.lb.UpstreamHost;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * {@code envoy.filters.http.ratelimit}: the global rate limit service. The route's descriptors
 * ({@link RateLimitDescriptors}, from its and its virtual host's {@code rate_limits} of the filter's
 * {@code stage}) are sent with the filter's {@code domain} (or the route's
 * {@code RateLimitPerRoute.domain}) to {@code ShouldRateLimit} on an endpoint of the
 * {@code rate_limit_service} cluster, within {@code timeout}; the exchange waits without blocking a
 * thread and goes on from its scheduler.
 * <ul>
 *   <li>{@code OK}: the request goes on, with the service's {@code request_headers_to_add};
 *   <li>{@code OVER_LIMIT}, enforced: a local reply with {@code rate_limited_status} (429), flag
 *       {@code RL}, {@code x-envoy-ratelimited: true} (unless disabled), the service's and the
 *       config's {@code response_headers_to_add} and, when enabled, the {@code x-ratelimit-*}
 *       headers; gRPC calls get the mapped status, or {@code RESOURCE_EXHAUSTED} when asked;
 *   <li>an error (unreachable, deadline, no such cluster or no healthy endpoint): with
 *       {@code failure_mode_deny} a local reply with {@code status_on_error} (500) and flag
 *       {@code RLSE}; otherwise the request goes on.
 * </ul>
 * Requests without a descriptor, or outside {@code filter_enabled}, are not sent.
 */
public final class RateLimitFilter implements HttpFilter {
  /** Envoy's name of the filter. */
  public static final String NAME = "envoy.filters.http.ratelimit";

  private static final int RESOURCE_EXHAUSTED = 8;

  private final OutboundRouter router;
  private final RateLimitServiceClient service;

  /**
   * @param router the client's router: the rate limit service's cluster by name, its load balancer
   * @param service the client's gRPC client of the service
   */
  public RateLimitFilter(OutboundRouter router, RateLimitServiceClient service) {
    this.router = router;
    this.service = service;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public CompletionStage<ExchangeResponse> filter(Exchange exchange, Next next) {
    MeshExchange ex = (MeshExchange) exchange;
    if (!(ex.routed() instanceof RoutedCall.Upstream up)) {
      return next.proceed(exchange);
    }
    GlobalRateLimitPolicy p = up.route().policies().globalRateLimit();
    RateLimitDescriptors descriptors = ex.chain().rateLimits();
    if (p == null || descriptors.isEmpty() || !LocalRateLimiter.fires(p.filterEnabled())) {
      return next.proceed(exchange);
    }
    List<List<RateLimitDescriptors.Entry>> ds = descriptors.populate(ex, ex.clusterName());
    if (ds.isEmpty()) {
      return next.proceed(exchange);
    }
    String domain = up.route().policies().rateLimits().domain();
    RateLimitRequest request = request(domain == null ? p.domain() : domain, ds);
    ClusterEntry cluster = router.cluster(p.serviceCluster());
    UpstreamHost host = cluster == null ? null
        : router.resilience().cluster(cluster).pick(cluster.balancing().balancer(), cluster.balancing().hosts().size(),
            null, 0);
    if (host == null) {
      return error(p, ex, next);
    }
    CompletableFuture<ExchangeResponse> out = new CompletableFuture<>();
    host.onRequestStart();
    service.shouldRateLimit(host, request, p.timeout().toNanos()).whenComplete((response, failure) -> {
      host.onRequestEnd();
      ex.scheduler().execute(() -> {
        if (ex.result().isDone()) {
          return; // interrupted (deadline, cancel) while the service was asked
        }
        CompletionStage<ExchangeResponse> stage = failure != null ? error(p, ex, next) : decide(p, response, ex, next);
        stage.whenComplete((r, e) -> {
          if (e != null) {
            out.completeExceptionally(e);
          } else {
            out.complete(r);
          }
        });
      });
    });
    return out;
  }

  private static CompletionStage<ExchangeResponse> decide(GlobalRateLimitPolicy p, RateLimitResponse response,
      MeshExchange ex, Next next) {
    if (response.getOverallCode() != RateLimitResponse.Code.OVER_LIMIT) {
      for (HeaderValue h : response.getRequestHeadersToAddList()) {
        ex.setHeader(h.getKey(), h.getValue());
      }
      return next.proceed(ex);
    }
    if (!LocalRateLimiter.fires(p.filterEnforced())) {
      return next.proceed(ex);
    }
    Map<String, String> headers = new LinkedHashMap<>();
    if (p.xRateLimitHeaders()) {
      XRateLimitHeaders.add(response.getStatusesList(), headers);
    }
    for (HeaderValue h : response.getResponseHeadersToAddList()) {
      headers.merge(h.getKey(), h.getValue(), (a, b) -> a + "," + b);
    }
    if (!p.disableXEnvoyRateLimitedHeader()) {
      headers.put(LocalRateLimitFilter.RATE_LIMITED_HEADER, "true");
    }
    for (HeaderValueOption h : p.responseHeaders()) {
      LocalRateLimitFilter.apply(headers, h);
    }
    return CompletableFuture.completedFuture(new LocalResponse(p.rateLimitedStatus(), ResponseFlags.RL, "", headers,
        p.rateLimitedAsResourceExhausted() ? RESOURCE_EXHAUSTED : -1, null));
  }

  private static CompletionStage<ExchangeResponse> error(GlobalRateLimitPolicy p, MeshExchange ex, Next next) {
    if (!p.failureModeDeny()) {
      return next.proceed(ex);
    }
    return CompletableFuture.completedFuture(LocalResponse.of(p.statusOnError(), ResponseFlags.RLSE, ""));
  }

  private static RateLimitRequest request(String domain, List<List<RateLimitDescriptors.Entry>> descriptors) {
    RateLimitRequest.Builder b = RateLimitRequest.newBuilder().setDomain(domain);
    for (List<RateLimitDescriptors.Entry> d : descriptors) {
      RateLimitDescriptor.Builder db = b.addDescriptorsBuilder();
      for (RateLimitDescriptors.Entry e : d) {
        db.addEntriesBuilder().setKey(e.key()).setValue(e.value());
      }
    }
    return b.build();
  }
}
