package io.bowline.runtime.filter.mirror;

import io.bowline.runtime.upstream.lb.UpstreamHost;

/**
 * How an adapter sends a shadow copy of its request ({@code request_mirror_policies}), on a mirror
 * thread: the request as the route rewrote it, to one endpoint of the mirror cluster.
 */
public interface ShadowSender {

  /** The request's {@code :authority} after the route's rewrites (the shadow's gets {@code -shadow}). */
  String authority();

  /**
   * Sends the shadow and waits for its response; the response is discarded.
   *
   * @param host the mirror cluster's endpoint
   * @param authority the shadow's {@code :authority}
   * @param attemptCount whether to send {@code x-envoy-attempt-count: 1}
   * @param remainingNanos how long it may take, {@code Long.MAX_VALUE} for no limit
   * @param connectTimeoutMillis the mirror cluster's {@code connect_timeout}
   * @return the response status (HTTP, or the HTTP status Envoy attributes to a gRPC status) and
   *     the request body bytes sent
   * @throws Exception when no response arrived
   */
  Sent send(UpstreamHost host, String authority, boolean attemptCount, long remainingNanos, long connectTimeoutMillis)
      throws Exception;

  /** Whether {@code failure} from {@link #send} was a failed connect (the endpoint then backs off). */
  boolean connectFailure(Exception failure);

  /**
   * A shadow's result.
   *
   * @param status the response status
   * @param bodyBytes request body bytes sent
   */
  record Sent(int status, long bodyBytes) {}
}
