package io.bowline.controlplane.istio;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads {@code timeout}, {@code retries}, {@code fault}, the mirror fields and {@code corsPolicy} of an Istio
 * {@code HTTPRoute}.
 */
final class HttpPoliciesParser {
  /** The rule fields this parser reads. */
  static final Set<String> FIELDS =
      Set.of("timeout", "retries", "fault", "mirror", "mirrorPercentage", "mirrorPercent", "mirrors", "corsPolicy");

  /** gRPC status names ({@code abort.grpcStatus}) → codes. */
  private static final Map<String, Integer> GRPC_CODES = Map.ofEntries(
      Map.entry("OK", 0), Map.entry("CANCELLED", 1), Map.entry("UNKNOWN", 2), Map.entry("INVALID_ARGUMENT", 3),
      Map.entry("DEADLINE_EXCEEDED", 4), Map.entry("NOT_FOUND", 5), Map.entry("ALREADY_EXISTS", 6),
      Map.entry("PERMISSION_DENIED", 7), Map.entry("RESOURCE_EXHAUSTED", 8), Map.entry("FAILED_PRECONDITION", 9),
      Map.entry("ABORTED", 10), Map.entry("OUT_OF_RANGE", 11), Map.entry("UNIMPLEMENTED", 12),
      Map.entry("INTERNAL", 13), Map.entry("UNAVAILABLE", 14), Map.entry("DATA_LOSS", 15),
      Map.entry("UNAUTHENTICATED", 16));

  private HttpPoliciesParser() {}

  static HttpPolicies parse(SpecReader rule) {
    Duration timeout = IstioDuration.read(rule, "timeout");
    HttpPolicies.Retries retries = rule.object("retries").map(HttpPoliciesParser::retries).orElse(null);
    HttpPolicies.Fault fault = rule.object("fault").map(HttpPoliciesParser::fault).orElse(null);
    List<HttpPolicies.Mirror> mirrors = new ArrayList<>();
    rule.object("mirror").flatMap(HttpPoliciesParser::destination).ifPresent(d -> {
      double pct = rule.object("mirrorPercentage").map(p -> percent(p, "value")).orElse(-1.0);
      if (pct < 0 && rule.has("mirrorPercent")) {
        pct = rule.integer("mirrorPercent").orElse(100);
      }
      mirrors.add(new HttpPolicies.Mirror(d, pct));
    });
    for (SpecReader m : rule.objects("mirrors")) {
      m.reportUnhandled(Set.of("destination", "percentage"), Set.of());
      Optional<VirtualService.Destination> d = m.object("destination").flatMap(HttpPoliciesParser::destination);
      if (d.isEmpty() && !m.has("destination")) {
        m.error("destination", "missing required field");
      }
      double pct = m.object("percentage").map(p -> percent(p, "value")).orElse(-1.0);
      d.ifPresent(dest -> mirrors.add(new HttpPolicies.Mirror(dest, pct)));
    }
    HttpPolicies.Cors cors = rule.object("corsPolicy").map(CorsPolicyParser::parse).orElse(null);
    if (timeout == null && retries == null && fault == null && mirrors.isEmpty() && cors == null) {
      return HttpPolicies.NONE;
    }
    return new HttpPolicies(timeout, retries, fault, mirrors, cors);
  }

  private static HttpPolicies.Retries retries(SpecReader r) {
    r.reportUnhandled(Set.of("attempts", "perTryTimeout", "retryOn", "retryIgnorePreviousHosts",
        "retryRemoteLocalities", "backoff"), Set.of());
    return new HttpPolicies.Retries(
        r.integer("attempts").orElse(0),
        IstioDuration.read(r, "perTryTimeout"),
        r.string("retryOn").orElse(""),
        r.bool("retryIgnorePreviousHosts").orElse(true),
        r.bool("retryRemoteLocalities").orElse(false),
        IstioDuration.read(r, "backoff"));
  }

  private static HttpPolicies.Fault fault(SpecReader f) {
    f.reportUnhandled(Set.of("delay", "abort"), Set.of());
    Duration fixed = null;
    double delayPct = -1;
    Optional<SpecReader> delay = f.object("delay");
    if (delay.isPresent()) {
      SpecReader d = delay.get();
      d.reportUnhandled(Set.of("fixedDelay", "percentage", "percent"), Set.of());
      if (d.has("exponentialDelay")) {
        d.warning("exponentialDelay", "exponentialDelay is not supported by Istio; delay dropped");
      }
      fixed = IstioDuration.read(d, "fixedDelay");
      if (fixed != null && fixed.compareTo(Duration.ofMillis(1)) < 0) {
        d.error("fixedDelay", "must be at least 1ms");
        fixed = null;
      }
      delayPct = d.object("percentage").map(p -> percent(p, "value"))
          .orElse(d.has("percent") ? (double) d.integer("percent").orElse(0) : -1.0);
    }
    int http = 0;
    int grpc = -1;
    double abortPct = -1;
    Optional<SpecReader> abort = f.object("abort");
    if (abort.isPresent()) {
      SpecReader a = abort.get();
      a.reportUnhandled(Set.of("httpStatus", "grpcStatus", "percentage"), Set.of());
      http = a.integer("httpStatus").orElse(0);
      if (http != 0 && (http < 200 || http > 599)) {
        a.error("httpStatus", "must be a valid HTTP status in [200, 599], was " + http);
        http = 0;
      }
      String g = a.string("grpcStatus").orElse(null);
      if (g != null) {
        Integer code = GRPC_CODES.get(g);
        if (code == null) {
          a.error("grpcStatus", "unknown gRPC status '" + ValueChecks.shorten(String.valueOf(g))
              + "' (e.g. UNAVAILABLE)");
        } else {
          grpc = code;
        }
      }
      if (a.has("http2Error")) {
        a.warning("http2Error", "http2Error is not supported; abort dropped");
      }
      abortPct = a.object("percentage").map(p -> percent(p, "value")).orElse(-1.0);
    }
    return new HttpPolicies.Fault(fixed, delayPct, http, grpc, abortPct);
  }

  private static Optional<VirtualService.Destination> destination(SpecReader target) {
    target.reportUnhandled(Set.of("host", "subset", "port"), Set.of());
    Optional<String> host = target.requiredString("host");
    int port = target.object("port").map(p -> p.port("number").orElse(0)).orElse(0);
    return host.map(h -> new VirtualService.Destination(target.path(), h, target.string("subset").orElse(""), port, 0));
  }

  private static double percent(SpecReader p, String key) {
    String text = p.string(key).orElse("0");
    try {
      double v = Double.parseDouble(text);
      if (v < 0 || v > 100) {
        p.error(key, "must be in [0, 100], was " + text);
        return 0;
      }
      return v;
    } catch (NumberFormatException e) {
      p.error(key, "expected a number, got '" + ValueChecks.shorten(String.valueOf(text)) + "'");
      return 0;
    }
  }
}
