package io.bowline.controlplane.translate;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.InvalidProtocolBufferException;
import io.bowline.controlplane.istio.HttpPolicies;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.FilterConfig;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.cors.v3.Cors;
import io.envoyproxy.envoy.extensions.filters.http.cors.v3.CorsPolicy;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Istio {@code HTTPRoute.corsPolicy} → Envoy {@code extensions.filters.http.cors.v3.CorsPolicy} in the route's
 * {@code typed_per_filter_config["envoy.filters.http.cors"]}, as istiod's {@code TranslateCORSPolicy} writes it
 * (origins as string matchers, the lists joined with {@code ,}, {@code max_age} in seconds,
 * {@code filter_enabled} 100 %, {@code forward_not_matching_preflights} false only for
 * {@code unmatchedPreflights: IGNORE}); and the {@code envoy.filters.http.cors} filter in the HTTP connection
 * manager of every listener whose route configuration has such a route, before the other filters (Istio's
 * order: cors, fault, router).
 *
 * <p>One difference from istiod, for proxyless gRPC: the per-route config is wrapped in
 * {@code config.route.v3.FilterConfig{is_optional: true}} and the filter is {@code is_optional}, because gRPC
 * has no CORS filter and grpc-java rejects a route configuration or listener naming a required filter it does
 * not know; Envoy, which has the filter, applies both as usual.
 */
final class CorsTranslator {

  /** The CORS filter name (Envoy's {@code wellknown.CORS}). */
  static final String CORS_FILTER = "envoy.filters.http.cors";

  private CorsTranslator() {}

  /** The route's {@code typed_per_filter_config} entry for {@code policies.cors()}; empty when it has none. */
  static Map<String, Any> perRoute(HttpPolicies policies) {
    if (policies.cors() == null) {
      return Map.of();
    }
    return Map.of(CORS_FILTER, Any.pack(FilterConfig.newBuilder()
        .setConfig(Any.pack(corsPolicy(policies.cors()))).setIsOptional(true).build()));
  }

  static CorsPolicy corsPolicy(HttpPolicies.Cors cors) {
    CorsPolicy.Builder out = CorsPolicy.newBuilder()
        .setForwardNotMatchingPreflights(BoolValue.of(!cors.unmatchedPreflights().equals("IGNORE")))
        .setFilterEnabled(RuntimeFractionalPercent.newBuilder().setDefaultValue(FractionalPercent.newBuilder()
            .setNumerator(100).setDenominator(FractionalPercent.DenominatorType.HUNDRED)))
        .setAllowHeaders(String.join(",", cors.allowHeaders()))
        .setAllowMethods(String.join(",", cors.allowMethods()))
        .setExposeHeaders(String.join(",", cors.exposeHeaders()));
    for (HttpPolicies.OriginMatch origin : cors.allowOrigins()) {
      out.addAllowOriginStringMatch(switch (origin.kind()) {
        case "prefix" -> StringMatcher.newBuilder().setPrefix(origin.value()).build();
        case "regex" -> RbacMatchers.regex(origin.value());
        default -> StringMatcher.newBuilder().setExact(origin.value()).build();
      });
    }
    if (cors.allowCredentials() != null) {
      out.setAllowCredentials(BoolValue.of(cors.allowCredentials()));
    }
    if (cors.maxAge() != null) {
      out.setMaxAge(Long.toString(cors.maxAge().getSeconds()));
    }
    return out.build();
  }

  /** Adds the CORS filter first to the HCM of every listener whose route configuration has a CORS route. */
  static void addFilters(List<Listener> listeners, List<RouteConfiguration> routeConfigurations) {
    Set<String> withCors = new HashSet<>();
    for (RouteConfiguration config : routeConfigurations) {
      for (VirtualHost host : config.getVirtualHostsList()) {
        for (Route route : host.getRoutesList()) {
          if (route.containsTypedPerFilterConfig(CORS_FILTER)) {
            withCors.add(config.getName());
          }
        }
      }
    }
    if (withCors.isEmpty()) {
      return;
    }
    listeners.replaceAll(listener -> {
      if (!listener.hasApiListener()) {
        return listener;
      }
      try {
        HttpConnectionManager hcm = listener.getApiListener().getApiListener().unpack(HttpConnectionManager.class);
        if (!hcm.hasRds() || !withCors.contains(hcm.getRds().getRouteConfigName())) {
          return listener;
        }
        HttpConnectionManager withFilter = hcm.toBuilder().addHttpFilters(0, HttpFilter.newBuilder()
            .setName(CORS_FILTER).setTypedConfig(Any.pack(Cors.getDefaultInstance())).setIsOptional(true)).build();
        return listener.toBuilder().setApiListener(listener.getApiListener().toBuilder()
            .setApiListener(Any.pack(withFilter))).build();
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalStateException("listener " + listener.getName() + " holds no HttpConnectionManager", e);
      }
    });
  }
}
