package io.bowline.controlplane.istio;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import io.bowline.controlplane.istio.VirtualService.Destination;
import io.bowline.controlplane.istio.VirtualService.HttpMatch;
import io.bowline.controlplane.istio.VirtualService.HttpRoute;
import io.bowline.controlplane.istio.VirtualService.StringMatch;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Parses the {@code spec} of an Istio {@code VirtualService}: hosts, gateways and the routing part of the
 * {@code http[]} rules. Rule features that are not translated yet are reported as warnings.
 */
final class VirtualServiceParser {

  /** The reserved gateway name that means "the sidecars of the mesh". */
  static final String MESH_GATEWAY = "mesh";

  private static final Set<String> HANDLED = Set.of("hosts", "gateways", "http");
  private static final Set<String> IGNORED = Set.of("exportTo");
  private static final Set<String> RULE_FIELDS = union(
      Set.of("name", "match", "route", "redirect", "directResponse", "delegate"), HttpPoliciesParser.FIELDS);
  private static final Set<String> MATCH_FIELDS = Set.of("name", "uri", "ignoreUriCase", "headers", "port");
  private static final Set<String> STRING_MATCH_FIELDS = Set.of("exact", "prefix", "regex");

  private VirtualServiceParser() {}

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> all = new java.util.HashSet<>(a);
    all.addAll(b);
    return Set.copyOf(all);
  }

  /**
   * Returns the VirtualService, or empty when {@code hosts} is missing (an error) or when it is bound only
   * to gateways other than {@code mesh} (an information: gateways are not translated).
   */
  static Optional<VirtualService> parse(SpecReader spec) {
    List<String> gateways = spec.strings("gateways");
    if (!gateways.isEmpty() && !gateways.contains(MESH_GATEWAY)) {
      spec.info("gateways", "bound to gateways " + gateways + " and not to 'mesh'; skipped (gateways are "
          + "not translated yet)");
      return Optional.empty();
    }
    spec.reportUnhandled(HANDLED, IGNORED);
    List<String> hosts = spec.strings("hosts");
    if (hosts.isEmpty()) {
      spec.error("hosts", "missing required field (at least one host)");
      return Optional.empty();
    }
    List<HttpRoute> rules = new ArrayList<>();
    for (SpecReader rule : spec.objects("http")) {
      rule(rule).ifPresent(rules::add);
    }
    return Optional.of(new VirtualService(spec.ref(), hosts, rules));
  }

  private static Optional<HttpRoute> rule(SpecReader rule) {
    rule.reportUnhandled(RULE_FIELDS, Set.of());
    if (rule.has("delegate")) {
      rule.error("delegate", "delegate is not supported by the local control plane; write the routes inline");
      return Optional.empty();
    }
    boolean local = rule.has("redirect") || rule.has("directResponse");
    List<SpecReader> destinations = rule.objects("route");
    if (destinations.isEmpty()) {
      if (local) {
        rule.warning(rule.has("redirect") ? "redirect" : "directResponse",
            "redirect and directResponse are not translated yet; rule skipped");
      } else {
        rule.error("route", "missing required field (a rule needs route, redirect or directResponse)");
      }
      return Optional.empty();
    }
    if (local) {
      rule.error(rule.has("redirect") ? "redirect" : "directResponse",
          "a rule cannot have both route and redirect/directResponse");
      return Optional.empty();
    }
    List<HttpMatch> matches = new ArrayList<>();
    for (SpecReader match : rule.objects("match")) {
      matches.add(match(match));
    }
    List<Destination> route = new ArrayList<>();
    for (SpecReader destination : destinations) {
      destination(destination).ifPresent(route::add);
    }
    return Optional.of(new HttpRoute(rule.path(), rule.string("name").orElse(""), matches, route, HttpPoliciesParser.parse(rule)));
  }

  private static HttpMatch match(SpecReader match) {
    match.reportUnhandled(MATCH_FIELDS, Set.of());
    StringMatch uri = match.object("uri").map(VirtualServiceParser::stringMatch)
        .filter(m -> m.kind() != StringMatch.Kind.PRESENT)
        .orElse(null);
    Map<String, StringMatch> headers = new LinkedHashMap<>();
    match.object("headers").ifPresent(all -> {
      for (String name : all.keys()) {
        all.object(name).ifPresentOrElse(
            value -> headers.put(name, stringMatch(value)),
            () -> headers.put(name, new StringMatch(StringMatch.Kind.PRESENT, "")));
      }
    });
    return new HttpMatch(
        match.string("name").orElse(""),
        uri,
        match.bool("ignoreUriCase").orElse(false),
        headers,
        match.port("port").orElse(0));
  }

  /** Istio {@code StringMatch}: exactly one of exact, prefix, regex; none (or regex "*") means present. */
  private static StringMatch stringMatch(SpecReader value) {
    value.reportUnhandled(STRING_MATCH_FIELDS, Set.of());
    List<String> kinds = value.keys().stream().filter(STRING_MATCH_FIELDS::contains).toList();
    if (kinds.size() > 1) {
      value.error(kinds.get(1), "only one of exact, prefix, regex may be set");
    }
    if (kinds.isEmpty()) {
      return new StringMatch(StringMatch.Kind.PRESENT, "");
    }
    String kind = kinds.get(0);
    String text = value.string(kind).orElse("");
    switch (kind) {
      case "exact":
        return new StringMatch(StringMatch.Kind.EXACT, text);
      case "prefix":
        return new StringMatch(StringMatch.Kind.PREFIX, text);
      default:
        if (text.equals("*")) {
          return new StringMatch(StringMatch.Kind.PRESENT, "");
        }
        try {
          Pattern.compile(text);
        } catch (PatternSyntaxException e) {
          value.error(kind, "invalid RE2 regex '" + text + "': " + e.getMessage());
        }
        return new StringMatch(StringMatch.Kind.REGEX, text);
    }
  }

  private static Optional<Destination> destination(SpecReader entry) {
    entry.reportUnhandled(Set.of("destination", "weight"), Set.of());
    int weight = entry.integer("weight").orElse(0);
    Optional<SpecReader> destination = entry.object("destination");
    if (destination.isEmpty()) {
      if (!entry.has("destination")) {
        entry.error("destination", "missing required field");
      }
      return Optional.empty();
    }
    SpecReader target = destination.get();
    target.reportUnhandled(Set.of("host", "subset", "port"), Set.of());
    Optional<String> host = target.requiredString("host");
    int port = target.object("port").map(p -> {
      p.reportUnhandled(Set.of("number"), Set.of());
      return p.port("number").orElse(0);
    }).orElse(0);
    return host.map(h -> new Destination(entry.path(), h, target.string("subset").orElse(""), port, weight));
  }
}
