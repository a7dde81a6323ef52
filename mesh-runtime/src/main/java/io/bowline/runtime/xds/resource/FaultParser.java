package io.bowline.runtime.xds.resource;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.bowline.api.config.FaultPolicy;
import io.bowline.api.config.FractionalPercent;
import io.bowline.api.config.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.FilterConfig;
import io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultDelay;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Envoy {@code extensions.filters.http.fault.v3.HTTPFault} → {@link FaultPolicy}: from a route's
 * {@code typed_per_filter_config["envoy.filters.http.fault"]} (bare or wrapped in
 * {@code config.route.v3.FilterConfig}) or from the HCM's {@code http_filters}.
 */
final class FaultParser {
  static final String FILTER_NAME = "envoy.filters.http.fault";
  static final String HTTP_FAULT_TYPE = "type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault";

  private FaultParser() {}

  /**
   * The per-route (or virtual host) fault: {@code null} without an entry for the filter,
   * {@link FaultPolicy#NONE} for an entry that injects nothing (it still overrides the HCM's).
   */
  static FaultPolicy perRoute(Map<String, Any> typedPerFilterConfig, String at) throws ResourceException {
    Any any = typedPerFilterConfig.get(FILTER_NAME);
    if (any == null) {
      return null;
    }
    FaultPolicy p = parse(any, at + ".typed_per_filter_config[\"" + FILTER_NAME + "\"]");
    return p == null ? FaultPolicy.NONE : p;
  }

  /**
   * The fault of an HCM {@code http_filters} entry that is the fault filter (a bad one is NACKed),
   * or {@code null}: the default for routes without a per-route fault config (Envoy's precedence:
   * route, then virtual host, then the filter's own config). Istio writes an empty filter and puts
   * every fault on its route.
   */
  static FaultPolicy filterFault(
      io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter f, String at)
      throws ResourceException {
    if (f.hasTypedConfig() && f.getTypedConfig().getTypeUrl().equals(HTTP_FAULT_TYPE)) {
      return parse(f.getTypedConfig(), at + ".typed_config");
    }
    return null;
  }

  /** An {@code Any} holding {@code HTTPFault} (or a {@code FilterConfig} around one); {@code null} if it has no fault. */
  static FaultPolicy parse(Any any, String at) throws ResourceException {
    try {
      if (any.is(FilterConfig.class)) {
        FilterConfig fc = Unpacking.unpack(any, FilterConfig.getDescriptor(), FilterConfig.parser());
        return fc.getDisabled() || !fc.hasConfig() ? null : parse(fc.getConfig(), at + ".config");
      }
      if (!any.getTypeUrl().equals(HTTP_FAULT_TYPE)) {
        throw new ResourceException(at, "expected HTTPFault, got " + any.getTypeUrl());
      }
      return parse(Unpacking.unpack(any, HTTPFault.getDescriptor(), HTTPFault.parser()), at);
    } catch (InvalidProtocolBufferException e) {
      throw new ResourceException(at, "cannot decode HTTPFault: " + e.getMessage());
    }
  }

  static FaultPolicy parse(HTTPFault f, String at) throws ResourceException {
    FaultPolicy.Delay delay = f.hasDelay() ? delay(f.getDelay(), at + ".delay") : null;
    FaultPolicy.Abort abort = f.hasAbort() ? abort(f.getAbort(), at + ".abort") : null;
    if (delay == null && abort == null) {
      return null;
    }
    if (f.getDownstreamNodesCount() > 0) {
      throw new ResourceException(at + ".downstream_nodes", "not supported (no downstream node in a client)");
    }
    if (f.hasResponseRateLimit()) {
      throw new ResourceException(at + ".response_rate_limit", "not supported yet");
    }
    List<HeaderMatcher> headers = new ArrayList<>();
    for (int i = 0; i < f.getHeadersCount(); i++) {
      headers.add(RouteParser.header(f.getHeaders(i), at + ".headers[" + i + "]"));
    }
    long maxActive = f.hasMaxActiveFaults() ? Integer.toUnsignedLong(f.getMaxActiveFaults().getValue()) : -1;
    return new FaultPolicy(delay, abort, f.getUpstreamCluster(), headers, maxActive);
  }

  private static FaultPolicy.Delay delay(FaultDelay d, String at) throws ResourceException {
    FractionalPercent pct = d.hasPercentage() ? Protos.percent(d.getPercentage(), at + ".percentage") : FractionalPercent.NEVER;
    switch (d.getFaultDelaySecifierCase()) {
      case FIXED_DELAY:
        Duration fixed = Protos.duration(d.getFixedDelay(), at + ".fixed_delay");
        if (fixed.isZero()) {
          throw new ResourceException(at + ".fixed_delay", "must be > 0");
        }
        return new FaultPolicy.Delay(fixed, pct);
      case HEADER_DELAY:
        return new FaultPolicy.Delay(null, pct);
      default:
        throw new ResourceException(at, "one of fixed_delay or header_delay is required");
    }
  }

  private static FaultPolicy.Abort abort(FaultAbort a, String at) throws ResourceException {
    FractionalPercent pct = a.hasPercentage() ? Protos.percent(a.getPercentage(), at + ".percentage") : FractionalPercent.NEVER;
    switch (a.getErrorTypeCase()) {
      case HTTP_STATUS:
        int s = a.getHttpStatus();
        if (s < 200 || s >= 600) {
          throw new ResourceException(at + ".http_status", "must be in [200, 600), was " + s);
        }
        return new FaultPolicy.Abort(s, -1, false, pct);
      case GRPC_STATUS:
        return new FaultPolicy.Abort(0, a.getGrpcStatus(), false, pct);
      case HEADER_ABORT:
        return new FaultPolicy.Abort(0, -1, true, pct);
      default:
        throw new ResourceException(at, "one of http_status, grpc_status or header_abort is required");
    }
  }
}
