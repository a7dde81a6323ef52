package io.bowline.runtime.okhttp;

import io.bowline.api.config.MirrorPolicy;
import io.bowline.runtime.lb.UpstreamHost;
import io.bowline.runtime.pipeline.OutboundRouter;
import io.bowline.runtime.resilience.ClusterResilience;
import io.bowline.runtime.resilience.mirror.Mirrors;
import io.bowline.runtime.snapshot.ClusterEntry;
import java.time.Duration;
import java.util.List;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Sends shadow copies of requests for Envoy {@code request_mirror_policies}: on the mirror
 * executor (bounded; full ⇒ dropped), through the shadow cluster's circuit breaker and load
 * balancer, with {@code -shadow} appended to the Host unless the policy disables it. The shadow's
 * response and failures are discarded and never reach or delay the caller. Shadows use their own
 * small OkHttp client (the caller's client is not reachable from an interceptor), so they do not
 * share the caller's pool or dispatcher.
 */
final class OkHttpMirror {
  private static final OkHttpClient SHADOW_CLIENT = new OkHttpClient.Builder()
      .connectionPool(new ConnectionPool(8, 1, java.util.concurrent.TimeUnit.MINUTES))
      .dispatcher(new Dispatcher())
      .connectTimeout(Duration.ofSeconds(5))
      .readTimeout(Duration.ofSeconds(15))
      .callTimeout(Duration.ofSeconds(30))
      .retryOnConnectionFailure(false)
      .build();

  private OkHttpMirror() {}

  /** Mirrors {@code request} per {@code policies}; returns at once. */
  static void mirror(OutboundRouter router, List<MirrorPolicy> policies, Request request, String authority) {
    if (request.body() != null && (request.body().isOneShot() || request.body().isDuplex())) {
      return; // the body cannot be sent twice
    }
    for (MirrorPolicy p : policies) {
      if (!Mirrors.fires(p)) {
        continue;
      }
      ClusterEntry shadow = router.cluster(p.cluster());
      if (shadow == null) {
        continue;
      }
      String shadowAuthority = Mirrors.shadowAuthority(p, authority);
      router.resilience().mirrors().submit(() -> send(router, shadow, request, shadowAuthority));
    }
  }

  private static long send(OutboundRouter router, ClusterEntry shadow, Request request, String authority)
      throws Exception {
    ClusterResilience state = router.resilience().cluster(shadow);
    var limits = shadow.cluster().resilience().circuitBreakers();
    if (!state.circuitBreaker().tryAcquireRequest(limits)) {
      return 0;
    }
    try {
      UpstreamHost host = state.pick(shadow.balancing().balancer(), shadow.balancing().hosts().size(), null, 0);
      if (host == null) {
        return 0;
      }
      Request r = OkHttpTransport.toEndpoint(request, host, authority);
      host.onRequestStart();
      try (Response response = SHADOW_CLIENT.newCall(r).execute()) {
        var od = state.outlier();
        if (od != null) {
          od.recordStatus(host, response.code());
        }
        return request.body() == null ? 0 : Math.max(0, request.body().contentLength());
      } finally {
        host.onRequestEnd();
      }
    } finally {
      state.circuitBreaker().releaseRequest();
    }
  }
}
