package io.bowline.runtime;

import io.bowline.api.filter.HttpFilter;
import io.bowline.api.config.LocalRateLimitPolicy;
import io.bowline.api.config.RateLimit;
import java.util.List;
import io.bowline.runtime.filter.common.ratelimit.LocalRateLimiter;
import io.bowline.runtime.filter.common.ratelimit.LocalRateLimits;
import io.bowline.runtime.filter.common.ratelimit.RateLimitDescriptors;
import io.bowline.runtime.filter.fault.FaultFilter;
import io.bowline.runtime.filter.mirror.MirrorFilter;
import io.bowline.runtime.filter.mirror.Mirroring;
import io.bowline.runtime.filter.ratelimit.LocalRateLimitFilter;
import io.bowline.runtime.pipeline.OutboundRouter;
import io.bowline.runtime.pipeline.RouteChains;
import io.bowline.runtime.router.RouterFilter;

/**
 * The built-in filters of a client's chains: telemetry, Istio's peer metadata exchange, Envoy's local and global rate limit and fault filters,
 * request mirroring, the router.
 */
final class BuiltInFilters implements RouteChains.BuiltIns {
  private final MirrorFilter mirror;
  private final LocalRateLimits localRateLimits;
  private final HttpFilter telemetry;
  private final HttpFilter rateLimit;
  private final HttpFilter peerMetadata;
  private final String serviceCluster;
  private final String sourceAddress;

  /**
   * @param serviceCluster the node's {@code cluster} ({@code source_cluster} rate limit actions)
   * @param sourceAddress this workload's IP ({@code remote_address} actions), or {@code null}
   * @param peerMetadata Istio's peer metadata exchange ({@code istio.metadata_exchange}) with this workload's metadata
   */
  BuiltInFilters(OutboundRouter router, Mirroring mirroring, LocalRateLimits localRateLimits, HttpFilter telemetry,
      HttpFilter rateLimit, String serviceCluster, String sourceAddress, HttpFilter peerMetadata) {
    this.mirror = new MirrorFilter(router, mirroring);
    this.localRateLimits = localRateLimits;
    this.telemetry = telemetry;
    this.rateLimit = rateLimit;
    this.peerMetadata = peerMetadata;
    this.serviceCluster = serviceCluster;
    this.sourceAddress = sourceAddress;
  }

  @Override
  public RateLimitDescriptors descriptors(List<RateLimit> entries) {
    return RateLimitDescriptors.compile(entries, serviceCluster, sourceAddress);
  }

  @Override
  public HttpFilter rateLimit() {
    return rateLimit;
  }

  @Override
  public HttpFilter telemetry() {
    return telemetry;
  }

  @Override
  public HttpFilter peerMetadata() {
    return peerMetadata;
  }

  @Override
  public HttpFilter localRateLimit() {
    return LocalRateLimitFilter.INSTANCE;
  }

  @Override
  public LocalRateLimiter localRateLimiter(LocalRateLimitPolicy policy) {
    return localRateLimits.limiter(policy);
  }

  @Override
  public HttpFilter fault() {
    return FaultFilter.INSTANCE;
  }

  @Override
  public HttpFilter mirror() {
    return mirror;
  }

  @Override
  public HttpFilter router() {
    return RouterFilter.INSTANCE;
  }
}
