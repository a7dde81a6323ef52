package io.bowline.api.config;

import java.time.Duration;
import java.util.Objects;

/**
 * Envoy route timeouts ({@code RouteAction.timeout}, {@code RouteAction.max_stream_duration}).
 *
 * @param timeout {@code timeout}: the whole call including retries and back-off; Envoy's default
 *     is 15 s when unset; {@link Duration#ZERO} disables it (Istio writes 0 unless the
 *     VirtualService sets one)
 * @param maxStreamDuration {@code max_stream_duration.max_stream_duration}, or {@code null} when
 *     the route has no {@code max_stream_duration} message; zero disables (also when the message
 *     is there without this field: such a route still ignores {@code timeout}, as Envoy does)
 * @param grpcTimeoutHeaderMax {@code max_stream_duration.grpc_timeout_header_max} (or the
 *     deprecated {@code max_grpc_timeout}), or {@code null} when unset; zero means the
 *     {@code grpc-timeout} header is used uncapped (gRFC A31)
 */
public record RouteTimeouts(Duration timeout, Duration maxStreamDuration, Duration grpcTimeoutHeaderMax) {
  /** Envoy's default: 15 s route timeout, nothing else. */
  public static final RouteTimeouts ENVOY_DEFAULT = new RouteTimeouts(Duration.ofSeconds(15), null, null);

  /**
   * Checks the components.
   *
   * @param timeout {@code timeout}: the whole call including retries and back-off; Envoy's default is 15 s
   *     when unset; {@link Duration#ZERO} disables it (Istio writes 0 unless the VirtualService sets one)
   * @param maxStreamDuration {@code max_stream_duration.max_stream_duration}, or {@code null} when the route
   *     has no {@code max_stream_duration} message; zero disables (also when the message is there without this
   *     field: such a route still ignores {@code timeout}, as Envoy does)
   * @param grpcTimeoutHeaderMax {@code max_stream_duration.grpc_timeout_header_max} (or the deprecated {@code
   *     max_grpc_timeout}), or {@code null} when unset; zero means the {@code grpc-timeout} header is used
   *     uncapped (gRFC A31)
   * @throws NullPointerException if a required component is {@code null}
   * @throws IllegalArgumentException if a component is outside the range its description gives
   */
  public RouteTimeouts {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must be >= 0, was " + timeout);
    }
  }

  /**
   * Whether the route timeout is on (non-zero).
   *
   * @return {@code true} if the route timeout is non-zero
   */
  public boolean hasTimeout() {
    return !timeout.isZero();
  }
}
