package io.bowline.runtime.pipeline;

import io.bowline.api.config.GlobalRateLimitPolicy;
import io.bowline.api.config.LocalRateLimitPolicy;
import io.bowline.api.config.PeerMetadataExchange;
import io.bowline.api.config.RateLimit;
import io.bowline.api.config.Route;
import io.bowline.api.config.RoutePolicies;
import io.bowline.api.filter.HttpFilter;
import io.bowline.runtime.common.IdentityCache;
import io.bowline.runtime.filter.common.fault.FaultInjector;
import io.bowline.runtime.filter.common.ratelimit.LocalRateLimiter;
import io.bowline.runtime.filter.common.ratelimit.RateLimitDescriptors;
import io.bowline.runtime.router.retry.RetryDecider;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The compiled chains of one configuration snapshot, one per route (the mesh's telemetry → Istio's peer
 * metadata exchange → the user's filters → local rate limit → global rate limit → fault → mirroring → router), made on the route's first
 * call and kept until the next snapshot replaces them all. A built-in filter is in a chain only where it acts: the
 * peer metadata exchange only for calls whose listener propagates the workload's metadata (a route shared by
 * listeners that do and listeners that do not has one chain of each kind), so that the usual call does not pass
 * through a filter that would only call {@code next}.
 */
public final class RouteChains {
  /** Makes the built-in filters: the adapters' shared pieces. */
  public interface BuiltIns {
    /** The mesh's telemetry (spans, {@code x-request-id}, metrics, access log): first in every chain. */
    HttpFilter telemetry();

    /**
     * {@code istio.metadata_exchange} (Istio's HTTP peer metadata exchange), right after telemetry in every chain;
     * it acts on calls whose listener has the filter. {@code null} when the client does not run it.
     */
    default HttpFilter peerMetadata() {
      return null;
    }

    /** {@code envoy.filters.http.fault}. */
    HttpFilter fault();

    /** Request mirroring ({@code request_mirror_policies}). */
    HttpFilter mirror();

    /** {@code envoy.filters.http.router}. */
    HttpFilter router();

    /** {@code envoy.filters.http.ratelimit} (the global rate limit service), or {@code null} when the client does not run it. */
    default HttpFilter rateLimit() {
      return null;
    }

    /**
     * Compiles rate limit entries into the descriptors this client's requests make (its
     * {@code source_cluster} and {@code remote_address}).
     *
     * @param entries the entries that apply, in order
     * @return their descriptors
     */
    default RateLimitDescriptors descriptors(List<RateLimit> entries) {
      return RateLimitDescriptors.compile(entries, null, null);
    }

    /** {@code envoy.filters.http.local_ratelimit}, or {@code null} when the client does not run it. */
    default HttpFilter localRateLimit() {
      return null;
    }

    /**
     * The limiter of a route's local rate limit config, its bucket kept across snapshots while the
     * config is unchanged.
     *
     * @param policy a config that limits
     * @return its limiter
     */
    default LocalRateLimiter localRateLimiter(LocalRateLimitPolicy policy) {
      throw new IllegalStateException("local rate limits are not run by this client");
    }
  }

  private final List<HttpFilter> userFilters;
  private final BuiltIns builtIns;
  private final IdentityCache<Route, RouteChain> chains = new IdentityCache<>(512);
  // the chains of calls whose listener propagates peer metadata, made when such a call comes first
  private volatile IdentityCache<Route, RouteChain> propagating;
  private final RouteChain noRoute;
  // made once: a lambda that captures this, written at the call, would be a new object on every call
  private final Function<Route, RouteChain> compilePlain = r -> compile(r, false);
  private final Function<Route, RouteChain> compilePropagating = r -> compile(r, true);

  RouteChains(List<HttpFilter> userFilters, BuiltIns builtIns) {
    this.userFilters = userFilters;
    this.builtIns = builtIns;
    List<HttpFilter> f = new ArrayList<>(userFilters.size() + 2);
    f.add(builtIns.telemetry());
    f.addAll(userFilters);
    f.add(builtIns.router());
    this.noRoute = new RouteChain(null, f.toArray(HttpFilter[]::new), null, null);
  }

  /**
   * The chain of {@code route} for a listener without peer metadata propagation; {@code null} for requests no route
   * matched.
   */
  public RouteChain of(Route route) {
    return route == null ? noRoute : chains.get(route, compilePlain);
  }

  /**
   * The chain of a decision: its route's, with Istio's peer metadata exchange when its listener propagates
   * ({@code upstream_propagation}) and the client runs the filter; the no-route chain for anything but an upstream.
   */
  public RouteChain of(RoutedCall call) {
    if (!(call instanceof RoutedCall.Upstream up)) {
      return noRoute;
    }
    if (!propagates(up.listener().peerMetadata())) {
      return chains.get(up.route(), compilePlain);
    }
    IdentityCache<Route, RouteChain> p = propagating;
    if (p == null) {
      p = new IdentityCache<>(64); // a race makes two: one is dropped, a cache loses nothing
      propagating = p;
    }
    return p.get(up.route(), compilePropagating);
  }

  private boolean propagates(PeerMetadataExchange config) {
    return config != null && config.upstreamPropagation() && builtIns.peerMetadata() != null;
  }

  private RouteChain compile(Route route, boolean peerMetadata) {
    RoutePolicies p = route.policies();
    boolean faults = p.fault() != null && p.fault().injects();
    LocalRateLimitPolicy rl = p.localRateLimit();
    LocalRateLimiter limiter = rl != null && rl.limits() && builtIns.localRateLimit() != null
        ? builtIns.localRateLimiter(rl) : null;
    GlobalRateLimitPolicy global = p.globalRateLimit();
    RateLimitDescriptors descriptors = global == null || builtIns.rateLimit() == null
        ? RateLimitDescriptors.NONE : builtIns.descriptors(p.rateLimits().entries(global.stage()));
    RateLimitDescriptors localDescriptors = RateLimitDescriptors.NONE;
    if (limiter != null && !rl.descriptors().buckets().isEmpty()) {
      LocalRateLimitPolicy.Descriptors d = rl.descriptors();
      localDescriptors = builtIns.descriptors(!d.rateLimits().isEmpty() ? d.rateLimits()
          : p.rateLimits().entries(d.stage(), d.virtualHostOption()));
    }
    List<HttpFilter> f = new ArrayList<>(userFilters.size() + 6);
    f.add(builtIns.telemetry());
    if (peerMetadata) {
      f.add(builtIns.peerMetadata());
    }
    f.addAll(userFilters);
    if (limiter != null) {
      f.add(builtIns.localRateLimit());
    }
    if (!descriptors.isEmpty()) {
      f.add(builtIns.rateLimit());
    }
    if (faults) {
      f.add(builtIns.fault());
    }
    if (!p.mirrors().isEmpty()) {
      f.add(builtIns.mirror());
    }
    f.add(builtIns.router());
    return new RouteChain(route, f.toArray(HttpFilter[]::new), faults ? new FaultInjector(p.fault()) : null,
        p.retry() == null ? null : new RetryDecider(p.retry()), limiter, descriptors, localDescriptors);
  }
}
