package io.bowline.controlplane.istio;

import io.bowline.controlplane.istio.VirtualService.Destination;
import io.bowline.controlplane.istio.VirtualService.DirectResponse;
import io.bowline.controlplane.istio.VirtualService.HeaderOperations;
import io.bowline.controlplane.istio.VirtualService.Headers;
import io.bowline.controlplane.istio.VirtualService.HttpMatch;
import io.bowline.controlplane.istio.VirtualService.HttpRoute;
import io.bowline.controlplane.istio.VirtualService.Redirect;
import io.bowline.controlplane.istio.VirtualService.Rewrite;
import io.bowline.controlplane.istio.VirtualService.StringMatch;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Parses the {@code spec} of an Istio {@code VirtualService}: hosts, gateways and the routing part of the
 * {@code http[]} rules. Rule features that are not translated yet are reported as warnings.
 */
final class VirtualServiceParser {

  /** The reserved gateway name that means "the sidecars of the mesh". */
  static final String MESH_GATEWAY = "mesh";

  /** {@code exportTo} is read by the loader for every exported kind. */
  private static final Set<String> HANDLED = Set.of("hosts", "gateways", "http", "exportTo", "tcp");
  /** A gateway forwards TLS connections by their {@code tls} routes. */
  private static final Set<String> GATEWAY_HANDLED = Set.of("hosts", "gateways", "http", "exportTo", "tls");
  private static final Set<String> IGNORED = Set.of();
  private static final Set<String> RULE_FIELDS = union(
      Set.of("name", "match", "route", "redirect", "directResponse", "delegate", "rewrite", "headers"),
      HttpPoliciesParser.FIELDS);
  private static final Set<String> MATCH_FIELDS = Set.of("name", "uri", "ignoreUriCase", "headers", "port",
      "method", "authority", "scheme", "queryParams", "withoutHeaders", "sourceLabels", "sourceNamespace",
      "gateways");
  private static final Set<String> REDIRECT_FIELDS =
      Set.of("uri", "authority", "port", "scheme", "redirectCode");
  private static final Set<Integer> REDIRECT_CODES = Set.of(301, 302, 303, 307, 308);
  private static final Set<String> STRING_MATCH_FIELDS = Set.of("exact", "prefix", "regex");

  private VirtualServiceParser() {}

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> all = new java.util.HashSet<>(a);
    all.addAll(b);
    return Set.copyOf(all);
  }

  /**
   * Returns the VirtualService, or empty when {@code hosts} is missing (an error). A VirtualService whose
   * {@code gateways} name any gateway other than {@code mesh} is returned as a {@link GatewayVirtualService}
   * (whose {@code mesh} says whether the sidecars route by it too); otherwise as a {@link VirtualService}.
   */
  static Optional<?> parse(SpecReader spec) {
    List<String> hosts = spec.strings("hosts");
    if (hosts.isEmpty()) {
      spec.error("hosts", "missing required field (at least one host)");
      return Optional.empty();
    }
    List<String> gateways = spec.strings("gateways");
    boolean gatewayBound = gateways.stream().anyMatch(gateway -> !gateway.equals(MESH_GATEWAY));
    boolean meshBound = !gatewayBound || gateways.contains(MESH_GATEWAY);
    spec.reportUnhandled(gatewayBound ? (meshBound ? union(GATEWAY_HANDLED, Set.of("tcp")) : GATEWAY_HANDLED)
        : HANDLED, IGNORED);
    List<String> bound = new ArrayList<>();
    for (int i = 0; i < gateways.size(); i++) {
      String gateway = gateways.get(i);
      if (gateway.equals(MESH_GATEWAY)) {
        continue;
      }
      int slash = gateway.indexOf('/');
      if (gateway.isBlank() || slash == 0 || slash == gateway.length() - 1 || gateway.indexOf('/', slash + 1) >= 0) {
        spec.error("gateways[" + i + "]", ValueChecks.quote(gateway) + " is not a gateway reference: expected "
            + "mesh, <name> or <namespace>/<name>");
        return Optional.empty();
      }
      bound.add(slash < 0 ? spec.ref().namespace() + "/" + gateway : gateway);
    }
    List<HttpRoute> rules = new ArrayList<>();
    for (SpecReader rule : spec.objects("http")) {
      rule(rule).ifPresent(rules::add);
    }
    VirtualService virtualService = new VirtualService(spec.ref(), hosts, rules,
        meshBound ? tcpRoutes(spec) : List.of());
    return bound.isEmpty()
        ? Optional.of(virtualService)
        : Optional.of(new GatewayVirtualService(virtualService, bound, gateways.contains(MESH_GATEWAY),
            tlsRoutes(spec)));
  }

  /** The {@code tls[]} rules of a gateway-bound VirtualService: SNI hosts and destinations. */
  private static List<GatewayVirtualService.TlsRoute> tlsRoutes(SpecReader spec) {
    List<GatewayVirtualService.TlsRoute> routes = new ArrayList<>();
    for (SpecReader rule : spec.objects("tls")) {
      rule.reportUnhandled(Set.of("match", "route"), Set.of());
      List<String> sniHosts = new ArrayList<>();
      for (SpecReader match : rule.objects("match")) {
        match.reportUnhandled(Set.of("sniHosts", "port", "gateways"), Set.of("destinationSubnets", "sourceLabels",
            "sourceNamespace"));
        sniHosts.addAll(match.strings("sniHosts"));
      }
      if (sniHosts.isEmpty()) {
        rule.error("match", "a tls rule needs match[].sniHosts");
        continue;
      }
      List<Destination> route = l4Route(rule);
      if (route.isEmpty()) {
        continue;
      }
      routes.add(new GatewayVirtualService.TlsRoute(rule.path(), sniHosts, route));
    }
    return routes;
  }

  /** The destinations of a {@code tls[]} or {@code tcp[]} rule; empty (an error reported) when it has none. */
  private static List<Destination> l4Route(SpecReader rule) {
    List<Destination> route = new ArrayList<>();
    for (SpecReader destination : rule.objects("route")) {
      destination(destination).ifPresent(route::add);
    }
    if (route.isEmpty()) {
      rule.error("route", "missing required field (at least one destination)");
    }
    return route;
  }

  /** The {@code tcp[]} rules the sidecars route TCP ports by: the ports they match and their destinations. */
  private static List<VirtualService.TcpRoute> tcpRoutes(SpecReader spec) {
    List<VirtualService.TcpRoute> routes = new ArrayList<>();
    for (SpecReader rule : spec.objects("tcp")) {
      rule.reportUnhandled(Set.of("match", "route"), Set.of());
      List<Integer> ports = new ArrayList<>();
      boolean anyPort = false;
      for (SpecReader match : rule.objects("match")) {
        match.reportUnhandled(Set.of("port", "gateways"), Set.of("destinationSubnets", "sourceLabels",
            "sourceNamespace", "sourceSubnet"));
        OptionalInt port = match.port("port");
        if (port.isPresent()) {
          ports.add(port.getAsInt());
        } else {
          anyPort = true;
        }
      }
      List<Destination> route = l4Route(rule);
      if (route.isEmpty()) {
        continue;
      }
      routes.add(new VirtualService.TcpRoute(rule.path(), anyPort ? List.of() : ports, route));
    }
    return routes;
  }

  private static Optional<HttpRoute> rule(SpecReader rule) {
    rule.reportUnhandled(RULE_FIELDS, Set.of());
    if (rule.has("delegate")) {
      rule.error("delegate", "delegate is not supported by the local control plane; write the routes inline");
      return Optional.empty();
    }
    boolean local = rule.has("redirect") || rule.has("directResponse");
    List<SpecReader> destinations = rule.objects("route");
    if (destinations.isEmpty() && !local) {
      rule.error("route", "missing required field (a rule needs route, redirect or directResponse)");
      return Optional.empty();
    }
    if (local && (!destinations.isEmpty() || (rule.has("redirect") && rule.has("directResponse")))) {
      rule.error(rule.has("redirect") ? "redirect" : "directResponse",
          "a rule can have only one of route, redirect and directResponse");
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
    Redirect redirect = rule.object("redirect").map(VirtualServiceParser::redirect).orElse(null);
    DirectResponse directResponse =
        rule.object("directResponse").flatMap(VirtualServiceParser::directResponse).orElse(null);
    if (local && redirect == null && directResponse == null) {
      return Optional.empty();
    }
    Rewrite rewrite = rule.object("rewrite").map(VirtualServiceParser::rewrite).orElse(null);
    if (rewrite != null && local) {
      rule.warning("rewrite", "rewrite has no effect on a redirect or directResponse rule; ignored");
      rewrite = null;
    }
    return Optional.of(new HttpRoute(rule.path(), rule.string("name").orElse(""), matches, route, redirect,
        directResponse, rewrite, rule.object("headers").map(VirtualServiceParser::headers).orElse(null),
        HttpPoliciesParser.parse(rule)));
  }

  private static Redirect redirect(SpecReader redirect) {
    redirect.reportUnhandled(REDIRECT_FIELDS, Set.of());
    int code = redirect.integer("redirectCode").orElse(301);
    if (!REDIRECT_CODES.contains(code)) {
      redirect.error("redirectCode", "redirect code " + code + " is not one Envoy can send (301, 302, 303, "
          + "307, 308)");
      code = 301;
    }
    return new Redirect(redirect.string("uri").orElse(""), redirect.string("authority").orElse(""),
        redirect.port("port").orElse(0), redirect.string("scheme").orElse(""), code);
  }

  private static Optional<DirectResponse> directResponse(SpecReader response) {
    response.reportUnhandled(Set.of("status", "body"), Set.of());
    OptionalInt status = response.integer("status");
    if (status.isEmpty() || status.getAsInt() < 200 || status.getAsInt() > 599) {
      response.error("status", status.isEmpty() ? "missing required field"
          : "status " + status.getAsInt() + " is out of range 200..599");
      return Optional.empty();
    }
    String text = "";
    List<Byte> bytes = new ArrayList<>();
    Optional<SpecReader> body = response.object("body");
    if (body.isPresent()) {
      body.get().reportUnhandled(Set.of("string", "bytes"), Set.of());
      text = body.get().string("string").orElse("");
      Optional<String> encoded = body.get().string("bytes");
      if (encoded.isPresent()) {
        try {
          for (byte b : Base64.getDecoder().decode(encoded.get())) {
            bytes.add(b);
          }
        } catch (IllegalArgumentException e) {
          body.get().error("bytes", "not valid base64: " + e.getMessage());
        }
      }
    }
    return Optional.of(new DirectResponse(status.getAsInt(), text, bytes));
  }

  private static Rewrite rewrite(SpecReader rewrite) {
    rewrite.reportUnhandled(Set.of("uri", "authority", "uriRegexRewrite"), Set.of());
    String regexMatch = "";
    String regexRewrite = "";
    Optional<SpecReader> regex = rewrite.object("uriRegexRewrite");
    if (regex.isPresent()) {
      regex.get().reportUnhandled(Set.of("match", "rewrite"), Set.of());
      regexMatch = regex.get().requiredString("match").orElse("");
      regexRewrite = regex.get().string("rewrite").orElse("");
      ValueChecks.regex(regex.get(), "match", regexMatch);
      if (rewrite.has("uri")) {
        rewrite.error("uri", "only one of uri and uriRegexRewrite may be set");
      }
    }
    return new Rewrite(rewrite.string("uri").orElse(""), regexMatch, regexRewrite,
        rewrite.string("authority").orElse(""));
  }

  /** Istio {@code Headers}: {@code request} and {@code response}, each with set/add/remove. */
  static Headers headers(SpecReader headers) {
    headers.reportUnhandled(Set.of("request", "response"), Set.of());
    return new Headers(
        headers.object("request").map(VirtualServiceParser::headerOperations).orElse(HeaderOperations.NONE),
        headers.object("response").map(VirtualServiceParser::headerOperations).orElse(HeaderOperations.NONE));
  }

  private static HeaderOperations headerOperations(SpecReader operations) {
    operations.reportUnhandled(Set.of("set", "add", "remove"), Set.of());
    Map<String, String> set = operations.stringMap("set");
    Map<String, String> add = operations.stringMap("add");
    List<String> remove = operations.strings("remove");
    set.keySet().forEach(name -> ValueChecks.headerName(operations, "set." + name, name));
    add.keySet().forEach(name -> ValueChecks.headerName(operations, "add." + name, name));
    for (int i = 0; i < remove.size(); i++) {
      ValueChecks.headerName(operations, "remove[" + i + "]", remove.get(i));
    }
    return new HeaderOperations(set, add, remove);
  }

  private static HttpMatch match(SpecReader match) {
    match.reportUnhandled(MATCH_FIELDS, Set.of());
    StringMatch uri = match.object("uri").map(VirtualServiceParser::stringMatch)
        .filter(m -> m.kind() != StringMatch.Kind.PRESENT)
        .orElse(null);
    return new HttpMatch(
        match.string("name").orElse(""),
        uri,
        match.bool("ignoreUriCase").orElse(false),
        stringMatches(match, "headers"),
        match.port("port").orElse(0),
        optionalMatch(match, "method"),
        optionalMatch(match, "authority"),
        optionalMatch(match, "scheme"),
        stringMatches(match, "queryParams"),
        stringMatches(match, "withoutHeaders"),
        match.stringMap("sourceLabels"),
        match.string("sourceNamespace").orElse(""),
        match.strings("gateways").stream()
            .map(gateway -> gateway.equals(MESH_GATEWAY) || gateway.contains("/")
                ? gateway : match.ref().namespace() + "/" + gateway)
            .toList());
  }

  private static StringMatch optionalMatch(SpecReader match, String key) {
    return match.object(key).map(VirtualServiceParser::stringMatch).orElse(null);
  }

  /** A mapping of names to StringMatch ({@code headers}, {@code queryParams}); a null value means present. */
  private static Map<String, StringMatch> stringMatches(SpecReader match, String key) {
    Map<String, StringMatch> result = new LinkedHashMap<>();
    match.object(key).ifPresent(all -> {
      for (String name : all.keys()) {
        all.object(name).ifPresentOrElse(
            value -> result.put(name, stringMatch(value)),
            () -> result.put(name, new StringMatch(StringMatch.Kind.PRESENT, "")));
      }
    });
    return result;
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
        ValueChecks.regex(value, kind, text);
        return new StringMatch(StringMatch.Kind.REGEX, text);
    }
  }

  private static Optional<Destination> destination(SpecReader entry) {
    entry.reportUnhandled(Set.of("destination", "weight", "headers"), Set.of());
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
    Headers headers = entry.object("headers").map(VirtualServiceParser::headers).orElse(Headers.NONE);
    return host.map(h ->
        new Destination(entry.path(), h, target.string("subset").orElse(""), port, weight, headers));
  }
}
