package io.bowline.runtime.xds.resource;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.bowline.api.config.FaultPolicy;
import io.bowline.api.config.FractionalPercent;
import io.bowline.api.config.LocalRateLimitPolicy;
import io.bowline.api.config.MirrorPolicy;
import io.bowline.api.config.Route;
import io.bowline.api.config.RoutePolicies;
import io.bowline.api.config.RouteRateLimits;
import io.bowline.api.config.RouteTimeouts;
import io.envoyproxy.envoy.config.route.v3.FilterConfig;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads a route's resilience and traffic-experiment fields ({@code timeout},
 * {@code max_stream_duration}, {@code retry_policy}, {@code request_mirror_policies}, the fault
 * filter's per-route config) and fills in what the route leaves to its virtual host
 * ({@code retry_policy}, {@code request_mirror_policies}, {@code typed_per_filter_config},
 * {@code include_request_attempt_count}).
 */
final class RoutePoliciesParser {
  private RoutePoliciesParser() {}

  /** The route's own policies. */
  static RoutePolicies parse(io.envoyproxy.envoy.config.route.v3.Route r, String at) throws ResourceException {
    FaultPolicy fault = FaultParser.perRoute(r.getTypedPerFilterConfigMap(), at);
    checkFilterConfigs(r.getTypedPerFilterConfigMap(), at);
    LocalRateLimitPolicy localRateLimit = LocalRateLimitParser.perRoute(r.getTypedPerFilterConfigMap(), at);
    if (!r.hasRoute()) {
      return RoutePolicies.ENVOY_DEFAULT.withFault(fault).withLocalRateLimit(localRateLimit);
    }
    RouteAction a = r.getRoute();
    RouteRateLimits rateLimits = RateLimitParser.route(a.getRateLimitsList(), a.hasIncludeVhRateLimits() && a.getIncludeVhRateLimits().getValue(),
        r.getTypedPerFilterConfigMap(), at);
    String ra = at + ".route";
    Duration timeout = a.hasTimeout() ? Protos.duration(a.getTimeout(), ra + ".timeout") : Duration.ofSeconds(15);
    Duration maxStream = null;
    Duration grpcMax = null;
    if (a.hasMaxStreamDuration()) {
      var m = a.getMaxStreamDuration();
      // any max_stream_duration message puts the route on Envoy's stream timeouts, which ignore
      // RouteAction.timeout: without its own max_stream_duration the stream has no cap (zero)
      maxStream = m.hasMaxStreamDuration()
          ? Protos.duration(m.getMaxStreamDuration(), ra + ".max_stream_duration.max_stream_duration")
          : Duration.ZERO;
      if (m.hasGrpcTimeoutHeaderMax()) {
        grpcMax = Protos.duration(m.getGrpcTimeoutHeaderMax(), ra + ".max_stream_duration.grpc_timeout_header_max");
      }
    }
    if (grpcMax == null && a.hasMaxGrpcTimeout()) {
      grpcMax = Protos.duration(a.getMaxGrpcTimeout(), ra + ".max_grpc_timeout");
    }
    var retry = a.hasRetryPolicy() ? RetryPolicyParser.parse(a.getRetryPolicy(), ra + ".retry_policy") : null;
    List<MirrorPolicy> mirrors = mirrors(a.getRequestMirrorPoliciesList(), ra + ".request_mirror_policies");
    return new RoutePolicies(new RouteTimeouts(timeout, maxStream, grpcMax), retry, mirrors, fault, false,
        localRateLimit, rateLimits, null);
  }

  /** Fills what the route leaves unset from its virtual host; the route-level value wins. */
  static Route inherit(Route route, VirtualHost vh, String at) throws ResourceException {
    RoutePolicies p = route.policies();
    if (p.retry() == null && vh.hasRetryPolicy()) {
      p = p.withRetry(RetryPolicyParser.parse(vh.getRetryPolicy(), at + ".retry_policy"));
    }
    if (p.mirrors().isEmpty() && vh.getRequestMirrorPoliciesCount() > 0) {
      p = p.withMirrors(mirrors(vh.getRequestMirrorPoliciesList(), at + ".request_mirror_policies"));
    }
    checkFilterConfigs(vh.getTypedPerFilterConfigMap(), at);
    if (vh.containsTypedPerFilterConfig(RateLimitParser.FILTER_NAME)) {
      throw new ResourceException(at + ".typed_per_filter_config[\"" + RateLimitParser.FILTER_NAME + "\"]",
          "RateLimitPerRoute on a virtual host is not supported (put it on the routes)");
    }
    if (p.fault() == null) {
      p = p.withFault(FaultParser.perRoute(vh.getTypedPerFilterConfigMap(), at));
    }
    if (p.localRateLimit() == null) {
      p = p.withLocalRateLimit(LocalRateLimitParser.perRoute(vh.getTypedPerFilterConfigMap(), at));
    }
    p = p.withIncludeAttemptCount(vh.getIncludeRequestAttemptCount());
    if (vh.getRateLimitsCount() > 0) {
      p = p.withRateLimits(p.rateLimits().withVirtualHost(
          RateLimitParser.rateLimits(vh.getRateLimitsList(), at + ".rate_limits")));
    }
    return new Route(route.name(), route.match(), route.action(), route.headers(), p);
  }

  /**
   * A {@code typed_per_filter_config} entry for a filter Bowline does not run is NACKed unless it is
   * a {@code config.route.v3.FilterConfig} with {@code is_optional} (Envoy; gRFC A39), then ignored.
   * A {@code FilterConfig} with {@code disabled} is accepted for any filter. The fault filter's entry
   * is read by {@link FaultParser#perRoute}, the local rate limit's by {@link LocalRateLimitParser#perRoute}.
   */
  private static void checkFilterConfigs(Map<String, Any> configs, String at) throws ResourceException {
    for (Map.Entry<String, Any> e : configs.entrySet()) {
      Any any = e.getValue();
      String type = any.getTypeUrl();
      boolean optional = false;
      if (!any.is(FilterConfig.class)) {
        type = LocalRateLimitParser.typeOf(any, at + ".typed_per_filter_config[\"" + e.getKey() + "\"]");
      } else {
        try {
          FilterConfig fc = Unpacking.unpack(any, FilterConfig.getDescriptor(), FilterConfig.parser());
          optional = fc.getIsOptional() || fc.getDisabled(); // disabling a filter not run is a no-op
          type = LocalRateLimitParser.typeOf(fc.getConfig(), at + ".typed_per_filter_config[\"" + e.getKey() + "\"].config");
        } catch (InvalidProtocolBufferException x) {
          throw new ResourceException(at + ".typed_per_filter_config[\"" + e.getKey() + "\"]",
              "cannot decode FilterConfig: " + x.getMessage());
        }
      }
      if (!optional && !type.equals(FaultParser.HTTP_FAULT_TYPE) && !type.equals(LocalRateLimitParser.TYPE)
          && !type.equals(RateLimitParser.PER_ROUTE_TYPE)) {
        throw new ResourceException(at + ".typed_per_filter_config[\"" + e.getKey() + "\"]",
            "config for a filter Bowline does not run (" + type + ") and not is_optional");
      }
    }
  }

  private static List<MirrorPolicy> mirrors(List<RouteAction.RequestMirrorPolicy> list, String at)
      throws ResourceException {
    List<MirrorPolicy> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      RouteAction.RequestMirrorPolicy m = list.get(i);
      String mat = at + "[" + i + "]";
      if (m.getCluster().isEmpty()) {
        throw new ResourceException(mat + ".cluster", "must not be empty (cluster_header is not supported yet)");
      }
      FractionalPercent fraction = m.hasRuntimeFraction()
          ? Protos.percent(m.getRuntimeFraction().getDefaultValue(), mat + ".runtime_fraction.default_value")
          : FractionalPercent.ALWAYS;
      out.add(new MirrorPolicy(m.getCluster(), fraction, m.getDisableShadowHostSuffixAppend()));
    }
    return out;
  }
}
