package io.bowline.runtime.xds.resource;

import com.google.protobuf.Any;
import io.bowline.api.config.FractionalPercent;
import io.bowline.api.config.GlobalRateLimitPolicy;
import io.bowline.api.config.HeaderMatcher;
import io.bowline.api.config.RateLimit;
import io.bowline.api.config.RouteRateLimits;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.config.route.v3.FilterConfig;
import io.envoyproxy.envoy.extensions.filters.http.ratelimit.v3.RateLimitPerRoute;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Envoy's global rate limit config: the {@code envoy.filters.http.ratelimit} filter
 * ({@code extensions.filters.http.ratelimit.v3.RateLimit}) → {@link GlobalRateLimitPolicy}, its
 * per-route {@code RateLimitPerRoute} ({@code vh_rate_limits}, {@code domain}), and the
 * {@code rate_limits} of routes and virtual hosts ({@code config.route.v3.RateLimit}) →
 * {@link RateLimit}. Fields the runtime does not run are NACKed by name.
 */
final class RateLimitParser {
  static final String FILTER_NAME = "envoy.filters.http.ratelimit";
  static final String TYPE = "type.googleapis.com/envoy.extensions.filters.http.ratelimit.v3.RateLimit";
  static final String PER_ROUTE_TYPE = "type.googleapis.com/envoy.extensions.filters.http.ratelimit.v3.RateLimitPerRoute";

  private RateLimitParser() {}

  /** The filter's {@code typed_config}, bare or in a {@code TypedStruct}. */
  static GlobalRateLimitPolicy filter(Any any, String at) throws ResourceException {
    var p = TypedConfigs.decode(any, io.envoyproxy.envoy.extensions.filters.http.ratelimit.v3.RateLimit.getDescriptor(), io.envoyproxy.envoy.extensions.filters.http.ratelimit.v3.RateLimit.parser(), at);
    if (p.getDomain().isEmpty()) {
      throw new ResourceException(at + ".domain", "must not be empty");
    }
    if (p.getStage() > 10) {
      throw new ResourceException(at + ".stage", "must be <= 10, was " + p.getStage());
    }
    if (!p.getRequestType().isEmpty() && !p.getRequestType().equals("both")) {
      throw new ResourceException(at + ".request_type",
          "\"" + p.getRequestType() + "\" is not supported (a client cannot tell internal from external requests)");
    }
    if (!p.hasRateLimitService()) {
      throw new ResourceException(at + ".rate_limit_service", "is required");
    }
    var rls = p.getRateLimitService();
    String rat = at + ".rate_limit_service";
    if (rls.getTransportApiVersion() != io.envoyproxy.envoy.config.core.v3.ApiVersion.V3) {
      throw new ResourceException(rat + ".transport_api_version", "must be V3, was " + rls.getTransportApiVersion());
    }
    if (!rls.getGrpcService().hasEnvoyGrpc()) {
      throw new ResourceException(rat + ".grpc_service", "only envoy_grpc (a cluster) is supported");
    }
    String cluster = rls.getGrpcService().getEnvoyGrpc().getClusterName();
    if (cluster.isEmpty()) {
      throw new ResourceException(rat + ".grpc_service.envoy_grpc.cluster_name", "must not be empty");
    }
    Duration timeout = p.hasTimeout() ? Protos.duration(p.getTimeout(), at + ".timeout")
        : GlobalRateLimitPolicy.DEFAULT_TIMEOUT;
    if (timeout.isZero()) {
      throw new ResourceException(at + ".timeout", "must be > 0");
    }
    int limited = p.hasRateLimitedStatus() && p.getRateLimitedStatus().getCodeValue() >= 400
        ? p.getRateLimitedStatus().getCodeValue() : 429;
    int onError = p.hasStatusOnError() && p.getStatusOnError().getCodeValue() >= 400
        ? p.getStatusOnError().getCodeValue() : 500;
    if (limited >= 600 || onError >= 600) {
      throw new ResourceException(at + (limited >= 600 ? ".rate_limited_status" : ".status_on_error") + ".code",
          "must be below 600");
    }
    return new GlobalRateLimitPolicy(p.getDomain(), p.getStage(), timeout, p.getFailureModeDeny(),
        p.getRateLimitedAsResourceExhausted(), cluster,
        p.getEnableXRatelimitHeaders()
            == io.envoyproxy.envoy.extensions.filters.http.ratelimit.v3.RateLimit.XRateLimitHeadersRFCVersion.DRAFT_VERSION_03,
        p.getDisableXEnvoyRatelimitedHeader(), limited, onError,
        HeaderMutationParser.options(p.getResponseHeadersToAddList(), at + ".response_headers_to_add"),
        fraction(p.hasFilterEnabled(), p.getFilterEnabled(), at + ".filter_enabled"),
        fraction(p.hasFilterEnforced(), p.getFilterEnforced(), at + ".filter_enforced"));
  }

  /** Unset means 100 % for this filter (Envoy checks and enforces every request unless told otherwise). */
  private static FractionalPercent fraction(boolean present, RuntimeFractionalPercent f, String at)
      throws ResourceException {
    return present ? Protos.percent(f.getDefaultValue(), at + ".default_value") : FractionalPercent.ALWAYS;
  }

  /**
   * A route's descriptors: its {@code rate_limits}, {@code include_vh_rate_limits} and its
   * {@code typed_per_filter_config["envoy.filters.http.ratelimit"]} ({@code RateLimitPerRoute}).
   *
   * @param rateLimits the route action's {@code rate_limits}
   * @param includeVh the route action's {@code include_vh_rate_limits}
   * @param perFilter the route's {@code typed_per_filter_config}
   */
  static RouteRateLimits route(List<io.envoyproxy.envoy.config.route.v3.RateLimit> rateLimits, boolean includeVh,
      Map<String, Any> perFilter, String at) throws ResourceException {
    List<RateLimit> own = rateLimits(rateLimits, at + ".route.rate_limits");
    RouteRateLimits.VirtualHostOption option = RouteRateLimits.VirtualHostOption.OVERRIDE;
    String domain = null;
    Any any = perFilter.get(FILTER_NAME);
    String pat = at + ".typed_per_filter_config[\"" + FILTER_NAME + "\"]";
    if (any != null && any.is(FilterConfig.class)) {
      FilterConfig fc = TypedConfigs.unpack(any, FilterConfig.getDescriptor(), FilterConfig.parser(), pat);
      any = fc.getDisabled() || !fc.hasConfig() ? null : fc.getConfig();
      pat = pat + ".config";
    }
    if (any != null) {
      RateLimitPerRoute p = TypedConfigs.decode(any, RateLimitPerRoute.getDescriptor(), RateLimitPerRoute.parser(), pat);
      if (p.getOverrideOption() != RateLimitPerRoute.OverrideOptions.DEFAULT) {
        throw new ResourceException(pat + ".override_option", "not supported: " + p.getOverrideOption());
      }
      if (p.getRateLimitsCount() > 0) {
        throw new ResourceException(pat + ".rate_limits", "not supported (set the route's rate_limits)");
      }
      option = p.getVhRateLimits() == RateLimitPerRoute.VhRateLimitsOptions.INCLUDE
          ? RouteRateLimits.VirtualHostOption.INCLUDE
          : p.getVhRateLimits() == RateLimitPerRoute.VhRateLimitsOptions.IGNORE
              ? RouteRateLimits.VirtualHostOption.IGNORE : RouteRateLimits.VirtualHostOption.OVERRIDE;
      domain = p.getDomain().isEmpty() ? null : p.getDomain();
    }
    if (own.isEmpty() && !includeVh && option == RouteRateLimits.VirtualHostOption.OVERRIDE && domain == null) {
      return RouteRateLimits.NONE;
    }
    return new RouteRateLimits(own, List.of(), includeVh, option, domain);
  }

  /** {@code rate_limits} entries. */
  static List<RateLimit> rateLimits(List<io.envoyproxy.envoy.config.route.v3.RateLimit> list, String at)
      throws ResourceException {
    List<RateLimit> out = new ArrayList<>(list.size());
    for (int i = 0; i < list.size(); i++) {
      var r = list.get(i);
      String rat = at + "[" + i + "]";
      if (r.hasLimit()) {
        throw new ResourceException(rat + ".limit", "not supported (no dynamic metadata in a client)");
      }
      if (r.hasHitsAddend()) {
        throw new ResourceException(rat + ".hits_addend", "not supported");
      }
      if (!r.getDisableKey().isEmpty()) {
        throw new ResourceException(rat + ".disable_key", "not supported (no runtime in a client)");
      }
      if (r.getApplyOnStreamDone()) {
        throw new ResourceException(rat + ".apply_on_stream_done", "not supported");
      }
      int stage = r.hasStage() ? r.getStage().getValue() : 0;
      if (stage > 10) {
        throw new ResourceException(rat + ".stage", "must be <= 10, was " + stage);
      }
      if (r.getActionsCount() == 0) {
        throw new ResourceException(rat + ".actions", "must not be empty");
      }
      List<RateLimit.Action> actions = new ArrayList<>(r.getActionsCount());
      for (int j = 0; j < r.getActionsCount(); j++) {
        actions.add(action(r.getActions(j), rat + ".actions[" + j + "]"));
      }
      out.add(new RateLimit(stage, actions));
    }
    return out;
  }

  private static RateLimit.Action action(io.envoyproxy.envoy.config.route.v3.RateLimit.Action a, String at)
      throws ResourceException {
    switch (a.getActionSpecifierCase()) {
      case SOURCE_CLUSTER:
        return new RateLimit.SourceCluster();
      case DESTINATION_CLUSTER:
        return new RateLimit.DestinationCluster();
      case REMOTE_ADDRESS:
        return new RateLimit.RemoteAddress();
      case REQUEST_HEADERS: {
        var h = a.getRequestHeaders();
        if (h.getHeaderName().isEmpty()) {
          throw new ResourceException(at + ".request_headers.header_name", "must not be empty");
        }
        if (h.getDescriptorKey().isEmpty()) {
          throw new ResourceException(at + ".request_headers.descriptor_key", "must not be empty");
        }
        return new RateLimit.RequestHeaders(h.getHeaderName(), h.getDescriptorKey(), h.getSkipIfAbsent());
      }
      case GENERIC_KEY: {
        var g = a.getGenericKey();
        if (g.getDescriptorValue().isEmpty()) {
          throw new ResourceException(at + ".generic_key.descriptor_value", "must not be empty");
        }
        return new RateLimit.GenericKey(g.getDescriptorKey().isEmpty() ? "generic_key" : g.getDescriptorKey(),
            g.getDescriptorValue());
      }
      case HEADER_VALUE_MATCH: {
        var m = a.getHeaderValueMatch();
        String mat = at + ".header_value_match";
        if (m.getDescriptorValue().isEmpty()) {
          throw new ResourceException(mat + ".descriptor_value", "must not be empty");
        }
        if (m.getHeadersCount() == 0) {
          throw new ResourceException(mat + ".headers", "must not be empty");
        }
        List<HeaderMatcher> headers = new ArrayList<>(m.getHeadersCount());
        for (int i = 0; i < m.getHeadersCount(); i++) {
          headers.add(RouteParser.header(m.getHeaders(i), mat + ".headers[" + i + "]"));
        }
        return new RateLimit.HeaderValueMatch(m.getDescriptorKey().isEmpty() ? "header_match" : m.getDescriptorKey(),
            m.getDescriptorValue(), !m.hasExpectMatch() || m.getExpectMatch().getValue(), headers);
      }
      case ACTIONSPECIFIER_NOT_SET:
        throw new ResourceException(at, "an action must be set");
      default:
        throw new ResourceException(at + "." + fieldName(a), "rate limit action not supported");
    }
  }

  private static String fieldName(io.envoyproxy.envoy.config.route.v3.RateLimit.Action a) {
    var oneof = a.getDescriptorForType().getOneofs().get(0);
    var f = a.getOneofFieldDescriptor(oneof);
    return f == null ? "action_specifier" : f.getName();
  }
}
