package io.bowline.proxy;

import java.time.Duration;

/**
 * What one downstream connection may send and how long it may take (Envoy's
 * {@code HttpConnectionManager} limits and timeouts).
 *
 * @param maxHeadersBytes the request line and headers together, in bytes ({@code max_request_headers_kb},
 *     Envoy's default 60 KiB); more is refused with 431
 * @param maxHeaders the most header fields a request may have ({@code max_headers_count}, default
 *     100); more is refused with 431
 * @param maxUrlBytes the longest request target, in bytes; longer is refused with 414
 * @param bufferBytes how much of a request body is buffered so that it can be retried or mirrored
 *     (Envoy's per-connection buffer limit, 1 MiB); a longer body is streamed and not retried
 * @param requestHeadersTimeout from a request's first byte until its headers are complete
 *     ({@code request_headers_timeout}); then 408 and the connection is closed. Zero: none
 * @param idleTimeout how long a connection may stay without a request in progress ({@code idle_timeout}). Zero: none
 */
public record ProxyLimits(int maxHeadersBytes, int maxHeaders, int maxUrlBytes, int bufferBytes,
    Duration requestHeadersTimeout, Duration idleTimeout) {

  /** Envoy's defaults: 60 KiB and 100 headers, 16 KiB URLs, 1 MiB buffered, 10 s for headers, 1 h idle. */
  public static final ProxyLimits DEFAULTS = new ProxyLimits(60 * 1024, 100, 16 * 1024, 1024 * 1024,
      Duration.ofSeconds(10), Duration.ofHours(1));

  public ProxyLimits {
    if (maxHeadersBytes <= 0 || maxHeaders <= 0 || maxUrlBytes <= 0 || bufferBytes < 0) {
      throw new IllegalArgumentException("proxy limits must be positive: " + maxHeadersBytes + " header bytes, "
          + maxHeaders + " headers, " + maxUrlBytes + " URL bytes, " + bufferBytes + " buffer bytes");
    }
    if (requestHeadersTimeout.isNegative() || idleTimeout.isNegative()) {
      throw new IllegalArgumentException("proxy timeouts must not be negative");
    }
  }

  /** These limits with other timeouts. */
  public ProxyLimits withTimeouts(Duration requestHeaders, Duration idle) {
    return new ProxyLimits(maxHeadersBytes, maxHeaders, maxUrlBytes, bufferBytes, requestHeaders, idle);
  }
}
