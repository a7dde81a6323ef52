package io.bowline.runtime.okhttp;

import io.bowline.api.config.MirrorPolicy;
import io.bowline.runtime.lb.UpstreamHost;
import io.bowline.runtime.lifecycle.SharedRuntime;
import io.bowline.runtime.pipeline.OutboundRouter;
import io.bowline.runtime.resilience.ClusterResilience;
import io.bowline.runtime.resilience.Outcome;
import io.bowline.runtime.resilience.mirror.MirrorExecutor;
import io.bowline.runtime.resilience.mirror.MirrorMetrics;
import io.bowline.runtime.resilience.mirror.Mirrors;
import io.bowline.runtime.resilience.mirror.ShadowConnectBackoff;
import io.bowline.runtime.resilience.outlier.OutlierDetector;
import io.bowline.runtime.snapshot.ClusterEntry;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.Buffer;
import okio.BufferedSink;
import okio.ForwardingSink;
import okio.Okio;

/**
 * Sends shadow copies of requests for Envoy {@code request_mirror_policies}: the caller only hands
 * the shadow to the mirror executor (bounded; full ⇒ dropped), or drops it at once when every
 * endpoint of the mirror cluster is in connection back-off; on a mirror thread the shadow goes
 * within the route timeout (counted from the hand-off, queueing included, as Envoy gives a shadow
 * its route's timeout; expired in the queue ⇒ dropped), through the mirror cluster's circuit
 * breaker, load balancer (ejected hosts skipped) and
 * {@link ShadowConnectBackoff}, with {@code -shadow} appended to the Host unless the policy
 * disables it, with {@code x-envoy-attempt-count: 1} when the virtual host sets
 * {@code include_request_attempt_count} (Envoy's router sets the count on the request headers in
 * {@code decodeHeaders} before it copies them for the shadows, and the shadow's own async-client
 * route never sets one, so a shadow says 1 even when the call is retried), and its result feeds
 * the mirror cluster's outlier detection (a failed connect as a
 * local-origin failure). The shadow's response and failures are discarded and never reach or
 * delay the caller; outcomes and request body bytes are counted in {@link MirrorMetrics}.
 *
 * <p>Shadows use their own small OkHttp client (the caller's client is not reachable from an
 * interceptor), so they share neither the caller's pool nor its dispatcher. It has no fast
 * fallback: mesh endpoints are single IP addresses, so racing connects buys nothing, and each
 * refused connect would otherwise also wake an OkHttp TaskRunner thread.
 */
final class OkHttpMirror {
  /** Shared by the mesh clients of the process; its idle connections are closed after the last one closes. */
  private static final SharedRuntime.Service<OkHttpClient> SHADOW_CLIENT = SharedRuntime.service(
      "shadow HTTP client", OkHttpMirror::shadowClient, c -> c.connectionPool().evictAll());

  private static OkHttpClient shadowClient() {
    return new OkHttpClient.Builder()
        .connectionPool(new ConnectionPool(MirrorExecutor.MAX_IN_FLIGHT, 1, TimeUnit.MINUTES))
        .dispatcher(new Dispatcher())
        .connectTimeout(Duration.ofSeconds(5))
        .readTimeout(Duration.ofSeconds(15))
        .callTimeout(Duration.ofSeconds(30))
        .retryOnConnectionFailure(false)
        .fastFallback(false)
        .build();
  }

  private OkHttpMirror() {}

  /**
   * Mirrors {@code request} per {@code policies}; returns at once.
   *
   * @param attemptCount the virtual host's {@code include_request_attempt_count}: the shadow then
   *     carries {@code x-envoy-attempt-count: 1}, replacing any the caller sent
   */
  static void mirror(OutboundRouter router, List<MirrorPolicy> policies, long timeoutNanos, Request request,
      String authority, boolean attemptCount) {
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
      MirrorExecutor mirrors = router.resilience().mirrors();
      if (allBackingOff(mirrors.connectBackoff(), shadow.balancing().hosts())) {
        mirrors.metrics().dropped(p.cluster(), MirrorMetrics.Drop.CONNECT_BACKOFF); // not even a hand-off
        continue;
      }
      String shadowAuthority = Mirrors.shadowAuthority(p, authority);
      mirrors.submit(p.cluster(), timeoutNanos, left -> send(router, shadow, request, shadowAuthority, attemptCount, left));
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

  private static long send(
      OutboundRouter router, ClusterEntry shadow, Request request, String authority, boolean attemptCount,
      long remainingNanos) throws IOException {
    ClusterResilience state = router.resilience().cluster(shadow);
    MirrorExecutor mirrors = router.resilience().mirrors();
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
      Object endpoint = null;
      for (int i = 0; i <= hostCount && host == null; i++) { // re-pick past endpoints backing off
        UpstreamHost h = state.pick(shadow.balancing().balancer(), hostCount, null, 0);
        if (h == null) {
          mirrors.metrics().dropped(cluster, MirrorMetrics.Drop.NO_HEALTHY_UPSTREAM);
          return MirrorExecutor.NOT_SENT;
        }
        if (backoff.admits(h.endpoint())) {
          host = h;
          endpoint = h.endpoint();
        }
      }
      if (host == null) {
        mirrors.metrics().dropped(cluster, MirrorMetrics.Drop.CONNECT_BACKOFF);
        return MirrorExecutor.NOT_SENT;
      }
      CountingBody body = request.body() == null ? null : new CountingBody(request.body());
      Request.Builder b = OkHttpTransport.attemptBuilder(request, host, authority);
      if (body != null) {
        b.method(request.method(), body);
      }
      if (attemptCount) {
        b.header(OkHttpTransport.ATTEMPT_COUNT, "1");
      }
      Request r = b.build();
      OutlierDetector od = state.outlier();
      host.onRequestStart();
      okhttp3.Call call = SHADOW_CLIENT.get().newCall(r);
      if (remainingNanos != Long.MAX_VALUE) {
        call.timeout().timeout(remainingNanos, TimeUnit.NANOSECONDS);
      }
      try (Response response = call.execute()) {
        backoff.onConnected(endpoint);
        if (od != null) {
          od.recordStatus(host, response.code());
        }
        return body == null ? 0 : body.written;
      } catch (IOException e) {
        if (OkHttpTransport.outcomeOf(e) == Outcome.CONNECT_FAILURE) {
          backoff.onConnectFailure(endpoint);
        } else {
          backoff.onConnected(endpoint);
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

  /** A request body that counts the bytes it writes (the shadow's mirrored bytes). */
  private static final class CountingBody extends RequestBody {
    private final RequestBody delegate;
    long written;

    CountingBody(RequestBody delegate) {
      this.delegate = delegate;
    }

    @Override
    public MediaType contentType() {
      return delegate.contentType();
    }

    @Override
    public long contentLength() throws IOException {
      return delegate.contentLength();
    }

    @Override
    public void writeTo(BufferedSink sink) throws IOException {
      BufferedSink counting = Okio.buffer(new ForwardingSink(sink) {
        @Override
        public void write(Buffer source, long byteCount) throws IOException {
          super.write(source, byteCount);
          written += byteCount;
        }
      });
      delegate.writeTo(counting);
      counting.emit();
    }
  }
}
