package io.bowline.controlplane.istio;

import java.time.Duration;

/**
 * The resilience part of an Istio {@code TrafficPolicy}: {@code connectionPool} and
 * {@code outlierDetection}. Unset numbers are {@code -1}; unset durations {@code null}.
 *
 * @param connectionPool {@code connectionPool}, or {@code null}
 * @param outlierDetection {@code outlierDetection}, or {@code null}
 */
public record TrafficResilience(ConnectionPool connectionPool, OutlierDetection outlierDetection) {
  /** Neither is set. */
  public static final TrafficResilience NONE = new TrafficResilience(null, null);

  /** Whether neither is set. */
  public boolean isEmpty() {
    return connectionPool == null && outlierDetection == null;
  }

  /**
   * Istio {@code ConnectionPoolSettings}.
   *
   * @param maxConnections {@code tcp.maxConnections}
   * @param connectTimeout {@code tcp.connectTimeout}
   * @param http1MaxPendingRequests {@code http.http1MaxPendingRequests}
   * @param http2MaxRequests {@code http.http2MaxRequests}
   * @param maxRetries {@code http.maxRetries}
   * @param maxRequestsPerConnection {@code http.maxRequestsPerConnection}
   */
  public record ConnectionPool(
      long maxConnections, Duration connectTimeout, long http1MaxPendingRequests, long http2MaxRequests,
      long maxRetries, long maxRequestsPerConnection) {}

  /**
   * Istio {@code OutlierDetection}.
   *
   * @param consecutive5xxErrors {@code consecutive5xxErrors} (0 disables)
   * @param consecutiveGatewayErrors {@code consecutiveGatewayErrors}
   * @param interval {@code interval}
   * @param baseEjectionTime {@code baseEjectionTime}
   * @param maxEjectionPercent {@code maxEjectionPercent}
   * @param minHealthPercent {@code minHealthPercent} (default 0)
   * @param splitExternalLocalOriginErrors {@code splitExternalLocalOriginErrors}
   * @param consecutiveLocalOriginFailures {@code consecutiveLocalOriginFailures}
   */
  public record OutlierDetection(
      long consecutive5xxErrors, long consecutiveGatewayErrors, Duration interval, Duration baseEjectionTime,
      long maxEjectionPercent, long minHealthPercent, boolean splitExternalLocalOriginErrors,
      long consecutiveLocalOriginFailures) {}
}
