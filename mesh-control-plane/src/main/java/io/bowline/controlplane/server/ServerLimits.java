package io.bowline.controlplane.server;

import java.time.Duration;
import java.util.Objects;

/**
 * Bounds the xDS server puts on its clients, so that half-open or hostile connections cannot pile up.
 *
 * @param handshakeTimeout how long a new connection may take to send the HTTP/2 client preface and its first
 *     SETTINGS frame before it is closed
 * @param maxConnections the most connections open at once; one more is closed as soon as it is accepted
 * @param maxConcurrentStreams the most concurrent streams (calls) per connection (HTTP/2
 *     {@code SETTINGS_MAX_CONCURRENT_STREAMS})
 * @param maxConnectionIdle how long a connection without any stream stays open
 */
public record ServerLimits(Duration handshakeTimeout, int maxConnections, int maxConcurrentStreams,
    Duration maxConnectionIdle) {

  /**
   * The defaults: a 5 s handshake (a client on loopback or in a data centre needs milliseconds), 1,024
   * connections, 100 streams per connection (an xDS client needs one ADS stream, a few with per-type
   * services), and 10 minutes without a stream.
   */
  public static final ServerLimits DEFAULT =
      new ServerLimits(Duration.ofSeconds(5), 1024, 100, Duration.ofMinutes(10));

  /** Checks that every bound is positive. */
  public ServerLimits {
    Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
    Objects.requireNonNull(maxConnectionIdle, "maxConnectionIdle");
    if (handshakeTimeout.isNegative() || handshakeTimeout.isZero() || maxConnections < 1
        || maxConcurrentStreams < 1 || maxConnectionIdle.isNegative() || maxConnectionIdle.isZero()) {
      throw new IllegalArgumentException("every server limit must be positive: " + handshakeTimeout + ", "
          + maxConnections + ", " + maxConcurrentStreams + ", " + maxConnectionIdle);
    }
  }
}
