package io.bowline.runtime.filter.mirror;

import io.bowline.api.config.MirrorPolicy;
import io.bowline.api.config.RoutePolicies;
import io.bowline.api.filter.Exchange;
import io.bowline.api.filter.ExchangeResponse;
import io.bowline.api.filter.HttpFilter;
import io.bowline.runtime.upstream.lb.UpstreamHost;
import io.bowline.runtime.pipeline.MeshExchange;
import io.bowline.runtime.pipeline.OutboundRouter;
import io.bowline.runtime.pipeline.RoutedCall;
import io.bowline.runtime.upstream.ClusterResilience;
import io.bowline.runtime.upstream.OutlierDetector;
import io.bowline.runtime.router.timeout.Deadline;
import io.bowline.runtime.upstream.ClusterEntry;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Envoy's request shadowing ({@code RouteAction.request_mirror_policies}, spec §6), which Envoy's
 * router does before its first attempt, as the filter just before the router. For every policy
 * that fires (independent draw) and names a known cluster, the request as the route rewrote it is
 * handed to the client's {@link MirrorExecutor} ({@link Mirroring}; bounded; full ⇒ dropped; dropped at once when
 * every endpoint of the mirror cluster is in {@link ShadowConnectBackoff}), and sent from a mirror
 * thread within the route's timeout (Envoy gives a shadow its route's timeout, the queueing
 * included; none when the route has none), through the mirror cluster's circuit breaker, load
 * balancer (ejected hosts and endpoints in connection back-off skipped) and outlier detection,
 * with {@code -shadow} appended to the authority unless the policy disables it, and
 * {@code x-envoy-attempt-count: 1} when the virtual host sets {@code include_request_attempt_count}
 * (Envoy counts before it copies the headers for shadows). Fire and forget: the shadow never
 * reaches or delays the caller. Requests whose body cannot be sent twice (one-shot, streaming) are
 * not mirrored.
 */
public final class MirrorFilter implements HttpFilter {
  /** The filter's name: Envoy's router does this itself; here it is its own step. */
  public static final String NAME = "envoy.filters.http.router.request_mirror_policies";

  private final OutboundRouter router;
  private final Mirroring mirroring;

  /**
   * @param router the client's router: mirror clusters by name, their circuit breakers and outlier detection
   * @param mirroring the client's mirror executor and meters
   */
  public MirrorFilter(OutboundRouter router, Mirroring mirroring) {
    this.router = router;
    this.mirroring = mirroring;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public CompletionStage<ExchangeResponse> filter(Exchange exchange, Next next) {
    MeshExchange ex = (MeshExchange) exchange;
    if (ex.shadowSender() instanceof ShadowSender sender && ex.routed() instanceof RoutedCall.Upstream up) {
      mirror(up.route().policies(), sender);
    }
    return next.proceed(exchange);
  }

  private void mirror(RoutePolicies policies, ShadowSender sender) {
    long timeoutNanos = Deadline.of(policies.timeouts()).toNanos();
    List<MirrorPolicy> list = policies.mirrors();
    for (int i = 0; i < list.size(); i++) {
      MirrorPolicy p = list.get(i);
      if (!Mirrors.fires(p)) {
        continue;
      }
      ClusterEntry shadow = router.cluster(p.cluster());
      if (shadow == null) {
        continue;
      }
      MirrorExecutor mirrors = mirroring.executor();
      if (allBackingOff(mirrors.connectBackoff(), shadow.balancing().hosts())) {
        mirrors.metrics().dropped(p.cluster(), MirrorMetrics.Drop.CONNECT_BACKOFF); // not even a hand-off
        continue;
      }
      String authority = Mirrors.shadowAuthority(p, sender.authority());
      boolean attemptCount = policies.includeAttemptCount();
      mirrors.submit(p.cluster(), timeoutNanos, left -> send(shadow, sender, authority, attemptCount, left));
    }
  }

  private static boolean allBackingOff(ShadowConnectBackoff backoff, List<UpstreamHost> hosts) {
    if (hosts.isEmpty()) {
      return false;
    }
    for (int i = 0; i < hosts.size(); i++) {
      if (!backoff.backingOff(hosts.get(i).endpoint())) {
        return false;
      }
    }
    return true;
  }

  private long send(ClusterEntry shadow, ShadowSender sender, String authority, boolean attemptCount, long remainingNanos)
      throws Exception {
    ClusterResilience state = router.resilience().cluster(shadow);
    MirrorExecutor mirrors = mirroring.executor();
    String cluster = shadow.cluster().name();
    var limits = shadow.cluster().resilience().circuitBreakers();
    if (!state.circuitBreaker().tryAcquireRequest(limits)) {
      mirrors.metrics().dropped(cluster, MirrorMetrics.Drop.OVERFLOW);
      return MirrorExecutor.NOT_SENT;
    }
    try {
      ShadowConnectBackoff backoff = mirrors.connectBackoff();
      int hostCount = shadow.balancing().hosts().size();
      UpstreamHost host = null;
      for (int i = 0; i <= hostCount && host == null; i++) { // re-pick past endpoints backing off
        UpstreamHost h = state.pick(shadow.balancing().balancer(), hostCount, null, 0);
        if (h == null) {
          mirrors.metrics().dropped(cluster, MirrorMetrics.Drop.NO_HEALTHY_UPSTREAM);
          return MirrorExecutor.NOT_SENT;
        }
        if (backoff.admits(h.endpoint())) {
          host = h;
        }
      }
      if (host == null) {
        mirrors.metrics().dropped(cluster, MirrorMetrics.Drop.CONNECT_BACKOFF);
        return MirrorExecutor.NOT_SENT;
      }
      OutlierDetector od = state.outlier();
      host.onRequestStart();
      try {
        ShadowSender.Sent sent = sender.send(host, authority, attemptCount, remainingNanos,
            shadow.cluster().optionsOrNone().connectTimeoutMs());
        backoff.onConnected(host.endpoint());
        if (od != null) {
          od.recordStatus(host, sent.status());
        }
        return sent.bodyBytes();
      } catch (Exception e) {
        if (sender.connectFailure(e)) {
          backoff.onConnectFailure(host.endpoint());
        } else {
          backoff.onConnected(host.endpoint());
        }
        if (od != null) {
          od.recordLocalOriginFailure(host);
        }
        throw e;
      } finally {
        host.onRequestEnd();
      }
    } finally {
      state.circuitBreaker().releaseRequest();
    }
  }
}
