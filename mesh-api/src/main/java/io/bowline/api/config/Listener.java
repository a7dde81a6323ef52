package io.bowline.api.config;

import java.util.List;
import java.util.Objects;

/**
 * An outbound listener with an {@code api_listener} (Envoy {@code config.listener.v3.Listener},
 * {@code api_listener.api_listener} holding an {@code HttpConnectionManager}). Istio names them
 * {@code <host FQDN>:<port>}.
 *
 * @param name listener name, e.g. {@code reviews.default.svc.cluster.local:9080}
 * @param routeConfigName the RDS name ({@code HttpConnectionManager.rds.route_config_name}), or
 *     {@code null} when the route configuration is inline
 * @param inlineRouteConfig {@code HttpConnectionManager.route_config}, or {@code null} with RDS
 * @param httpFilters names of {@code HttpConnectionManager.http_filters}, in order
 * @param httpFault the fault filter's own {@code typed_config} ({@code envoy.filters.http.fault}
 *     in {@code http_filters}), the default for routes without a per-route fault config;
 *     {@link FaultPolicy#NONE} when the filter configures no fault (Istio's empty filter); {@code
 *     null} when the listener has no fault filter, so that no route's fault config applies (Envoy
 *     runs only the filters in {@code http_filters})
 * @param httpLocalRateLimit the {@code envoy.filters.http.local_ratelimit} filter's own config, the
 *     default for routes without a per-route one; {@code null} when the listener has no such filter,
 *     so that no route's local rate limit applies
 * @param telemetry the HCM's {@code tracing} and {@code access_log} ({@link HttpTelemetry#NONE} for none)
 * @param httpRateLimit the {@code envoy.filters.http.ratelimit} filter's config (the global rate
 *     limit service), or {@code null} when the listener has no such filter
 * @param peerMetadata the {@code istio.metadata_exchange} filter's config (Istio's HTTP peer metadata exchange), or
 *     {@code null} when the listener has no such filter
 */
public record Listener(
    String name, String routeConfigName, RouteConfiguration inlineRouteConfig, List<String> httpFilters,
    FaultPolicy httpFault, LocalRateLimitPolicy httpLocalRateLimit, HttpTelemetry telemetry,
    GlobalRateLimitPolicy httpRateLimit, PeerMetadataExchange peerMetadata) {
  /**
   * A listener without a peer metadata exchange filter.
   *
   * @param name listener name, e.g. {@code reviews.default.svc.cluster.local:9080}
   * @param routeConfigName the RDS name, or {@code null} when the route configuration is inline
   * @param inlineRouteConfig {@code HttpConnectionManager.route_config}, or {@code null} with RDS
   * @param httpFilters names of {@code HttpConnectionManager.http_filters}, in order
   * @param httpFault the fault filter's own config, {@link FaultPolicy#NONE}, or {@code null} without one
   * @param httpLocalRateLimit the local rate limit filter's own config, or {@code null} without that filter
   * @param telemetry the HCM's {@code tracing} and {@code access_log}
   * @param httpRateLimit the global rate limit filter's config, or {@code null} without that filter
   */
  public Listener(String name, String routeConfigName, RouteConfiguration inlineRouteConfig, List<String> httpFilters,
      FaultPolicy httpFault, LocalRateLimitPolicy httpLocalRateLimit, HttpTelemetry telemetry,
      GlobalRateLimitPolicy httpRateLimit) {
    this(name, routeConfigName, inlineRouteConfig, httpFilters, httpFault, httpLocalRateLimit, telemetry, httpRateLimit,
        null);
  }

  /**
   * A listener without a global rate limit filter.
   *
   * @param name listener name, e.g. {@code reviews.default.svc.cluster.local:9080}
   * @param routeConfigName the RDS name, or {@code null} when the route configuration is inline
   * @param inlineRouteConfig {@code HttpConnectionManager.route_config}, or {@code null} with RDS
   * @param httpFilters names of {@code HttpConnectionManager.http_filters}, in order
   * @param httpFault the fault filter's own config, {@link FaultPolicy#NONE}, or {@code null} without one
   * @param httpLocalRateLimit the local rate limit filter's own config, or {@code null} without that filter
   * @param telemetry the HCM's {@code tracing} and {@code access_log}
   */
  public Listener(String name, String routeConfigName, RouteConfiguration inlineRouteConfig, List<String> httpFilters,
      FaultPolicy httpFault, LocalRateLimitPolicy httpLocalRateLimit, HttpTelemetry telemetry) {
    this(name, routeConfigName, inlineRouteConfig, httpFilters, httpFault, httpLocalRateLimit, telemetry, null);
  }

  /**
   * A listener without telemetry settings ({@link HttpTelemetry#NONE}).
   *
   * @param name listener name, e.g. {@code reviews.default.svc.cluster.local:9080}
   * @param routeConfigName the RDS name, or {@code null} when the route configuration is inline
   * @param inlineRouteConfig {@code HttpConnectionManager.route_config}, or {@code null} with RDS
   * @param httpFilters names of {@code HttpConnectionManager.http_filters}, in order
   * @param httpFault the fault filter's own config, {@link FaultPolicy#NONE}, or {@code null} without one
   * @param httpLocalRateLimit the local rate limit filter's own config, or {@code null} without that filter
   */
  public Listener(String name, String routeConfigName, RouteConfiguration inlineRouteConfig, List<String> httpFilters,
      FaultPolicy httpFault, LocalRateLimitPolicy httpLocalRateLimit) {
    this(name, routeConfigName, inlineRouteConfig, httpFilters, httpFault, httpLocalRateLimit, HttpTelemetry.NONE);
  }

  /**
   * A listener without a local rate limit filter or telemetry settings.
   *
   * @param name listener name, e.g. {@code reviews.default.svc.cluster.local:9080}
   * @param routeConfigName the RDS name ({@code HttpConnectionManager.rds.route_config_name}), or {@code
   *     null} when the route configuration is inline
   * @param inlineRouteConfig {@code HttpConnectionManager.route_config}, or {@code null} with RDS
   * @param httpFilters names of {@code HttpConnectionManager.http_filters}, in order
   * @param httpFault the fault filter's own config, or {@code null} without a fault filter
   */
  public Listener(String name, String routeConfigName, RouteConfiguration inlineRouteConfig, List<String> httpFilters,
      FaultPolicy httpFault) {
    this(name, routeConfigName, inlineRouteConfig, httpFilters, httpFault, null);
  }

  /**
   * A listener whose HTTP filters configure no fault of their own: routes' fault configs apply when
   * {@code httpFilters} names {@code envoy.filters.http.fault}.
   *
   * @param name listener name, e.g. {@code reviews.default.svc.cluster.local:9080}
   * @param routeConfigName the RDS name ({@code HttpConnectionManager.rds.route_config_name}), or {@code
   *     null} when the route configuration is inline
   * @param inlineRouteConfig {@code HttpConnectionManager.route_config}, or {@code null} with RDS
   * @param httpFilters names of {@code HttpConnectionManager.http_filters}, in order
   */
  public Listener(String name, String routeConfigName, RouteConfiguration inlineRouteConfig, List<String> httpFilters) {
    this(name, routeConfigName, inlineRouteConfig, httpFilters,
        httpFilters.contains("envoy.filters.http.fault") ? FaultPolicy.NONE : null);
  }

  /**
   * Checks the components and keeps immutable copies of its collections.
   *
   * @param name listener name, e.g. {@code reviews.default.svc.cluster.local:9080}
   * @param routeConfigName the RDS name ({@code HttpConnectionManager.rds.route_config_name}), or {@code
   *     null} when the route configuration is inline
   * @param inlineRouteConfig {@code HttpConnectionManager.route_config}, or {@code null} with RDS
   * @param httpFilters names of {@code HttpConnectionManager.http_filters}, in order
   * @param httpFault the fault filter's own {@code typed_config} ({@code envoy.filters.http.fault} in {@code
   *     http_filters}), the default for routes without a per-route fault config; {@link FaultPolicy#NONE} when
   *     the filter configures no fault (Istio's empty filter); {@code null} without a fault filter
   * @param httpLocalRateLimit the local rate limit filter's own config, or {@code null} without that filter
   * @param telemetry the HCM's {@code tracing} and {@code access_log}; {@code null} for
   *     {@link HttpTelemetry#NONE}
   * @param httpRateLimit the global rate limit filter's config, or {@code null} without that filter
   * @param peerMetadata the peer metadata exchange filter's config, or {@code null} without that filter
   * @throws NullPointerException if a required component is {@code null}
   * @throws IllegalArgumentException if a component is outside the range its description gives
   */
  public Listener {
    telemetry = telemetry == null ? HttpTelemetry.NONE : telemetry;
    Objects.requireNonNull(name, "name");
    if ((routeConfigName == null) == (inlineRouteConfig == null)) {
      throw new IllegalArgumentException(
          "listener " + name + ": exactly one of rds.route_config_name and route_config must be set");
    }
    httpFilters = List.copyOf(httpFilters);
  }
}
