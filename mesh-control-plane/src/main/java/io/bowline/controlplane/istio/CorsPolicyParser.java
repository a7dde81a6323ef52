package io.bowline.controlplane.istio;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Parses an Istio {@code HTTPRoute.corsPolicy}, with istiod's validation: an {@code allowOrigins} entry needs
 * exactly one of {@code exact}, {@code prefix}, {@code regex}; {@code unmatchedPreflights} is
 * {@code UNSPECIFIED}, {@code FORWARD} or {@code IGNORE}.
 */
final class CorsPolicyParser {

  private static final Set<String> FIELDS = Set.of("allowOrigin", "allowOrigins", "allowMethods", "allowHeaders",
      "exposeHeaders", "maxAge", "allowCredentials", "unmatchedPreflights");

  private CorsPolicyParser() {}

  static HttpPolicies.Cors parse(SpecReader cors) {
    cors.reportUnhandled(FIELDS, Set.of());
    List<HttpPolicies.OriginMatch> origins = new ArrayList<>();
    for (SpecReader origin : cors.objects("allowOrigins")) {
      origin.reportUnhandled(Set.of("exact", "prefix", "regex"), Set.of());
      List<HttpPolicies.OriginMatch> set = new ArrayList<>();
      for (String kind : List.of("exact", "prefix", "regex")) {
        origin.string(kind).ifPresent(value -> set.add(new HttpPolicies.OriginMatch(kind, value)));
      }
      if (set.size() != 1) {
        origin.error("exact", "an allowOrigins entry needs exactly one of exact, prefix, regex");
      } else {
        origins.add(set.get(0));
      }
    }
    if (origins.isEmpty()) {
      cors.strings("allowOrigin").forEach(origin -> origins.add(new HttpPolicies.OriginMatch("exact", origin)));
    }
    String unmatched = cors.string("unmatchedPreflights").orElse("UNSPECIFIED");
    if (!Set.of("UNSPECIFIED", "FORWARD", "IGNORE").contains(unmatched)) {
      cors.error("unmatchedPreflights", "unknown value '" + ValueChecks.shorten(String.valueOf(unmatched))
          + "' (UNSPECIFIED, FORWARD, IGNORE)");
    }
    return new HttpPolicies.Cors(origins, cors.strings("allowMethods"), cors.strings("allowHeaders"),
        cors.strings("exposeHeaders"), IstioDuration.read(cors, "maxAge"), cors.bool("allowCredentials").orElse(null),
        unmatched);
  }
}
