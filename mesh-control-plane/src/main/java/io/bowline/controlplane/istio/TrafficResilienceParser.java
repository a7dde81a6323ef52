package io.bowline.controlplane.istio;

import java.util.Optional;
import java.util.Set;

/** Reads {@code trafficPolicy.connectionPool} and {@code trafficPolicy.outlierDetection} of a DestinationRule or subset. */
final class TrafficResilienceParser {
  /** The {@code trafficPolicy} fields this parser reads. */
  static final Set<String> FIELDS = Set.of("connectionPool", "outlierDetection");

  private TrafficResilienceParser() {}

  static TrafficResilience parse(SpecReader owner) {
    Optional<SpecReader> policy = owner.object("trafficPolicy");
    return policy.map(TrafficResilienceParser::fromPolicy).orElse(TrafficResilience.NONE);
  }

  /** Reads {@code connectionPool} and {@code outlierDetection} of a traffic policy or port-level settings entry. */
  static TrafficResilience fromPolicy(SpecReader policy) {
    TrafficResilience.ConnectionPool pool = policy.object("connectionPool").map(TrafficResilienceParser::pool).orElse(null);
    TrafficResilience.OutlierDetection od = policy.object("outlierDetection").map(TrafficResilienceParser::outlier).orElse(null);
    return new TrafficResilience(pool, od);
  }

  private static TrafficResilience.ConnectionPool pool(SpecReader p) {
    p.reportUnhandled(Set.of("tcp", "http"), Set.of());
    SpecReader tcp = p.object("tcp").orElse(null);
    SpecReader http = p.object("http").orElse(null);
    if (tcp != null) {
      tcp.reportUnhandled(Set.of("maxConnections", "connectTimeout"), Set.of());
    }
    if (http != null) {
      http.reportUnhandled(Set.of("http1MaxPendingRequests", "http2MaxRequests", "maxRetries", "maxRequestsPerConnection"), Set.of());
    }
    return new TrafficResilience.ConnectionPool(
        num(tcp, "maxConnections"),
        tcp == null ? null : IstioDuration.read(tcp, "connectTimeout"),
        num(http, "http1MaxPendingRequests"),
        num(http, "http2MaxRequests"),
        num(http, "maxRetries"),
        num(http, "maxRequestsPerConnection"));
  }

  private static TrafficResilience.OutlierDetection outlier(SpecReader o) {
    o.reportUnhandled(Set.of("consecutive5xxErrors", "consecutiveGatewayErrors", "interval", "baseEjectionTime",
        "maxEjectionPercent", "minHealthPercent", "splitExternalLocalOriginErrors", "consecutiveLocalOriginFailures",
        "consecutiveErrors"), Set.of());
    if (o.has("consecutiveErrors")) {
      o.warning("consecutiveErrors", "deprecated and ignored by istiod; use consecutive5xxErrors or consecutiveGatewayErrors");
    }
    long max = num(o, "maxEjectionPercent");
    if (max > 100) {
      o.error("maxEjectionPercent", "must be in [0, 100], was " + max);
      max = -1;
    }
    return new TrafficResilience.OutlierDetection(
        num(o, "consecutive5xxErrors"),
        num(o, "consecutiveGatewayErrors"),
        IstioDuration.read(o, "interval"),
        IstioDuration.read(o, "baseEjectionTime"),
        max,
        num(o, "minHealthPercent"),
        o.bool("splitExternalLocalOriginErrors").orElse(false),
        num(o, "consecutiveLocalOriginFailures"));
  }

  /** A non-negative integer, or -1 when unset (an error is reported for anything else). */
  private static long num(SpecReader owner, String key) {
    if (owner == null) {
      return -1;
    }
    return owner.integer(key).orElse(-1);
  }
}
