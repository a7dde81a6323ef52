package io.bowline.controlplane.translate;

import io.bowline.controlplane.DiagnosticCode;
import static io.bowline.controlplane.translate.RbacMatchers.SPIFFE;

import io.bowline.controlplane.istio.AuthorizationPolicy;
import io.bowline.controlplane.istio.AuthorizationPolicy.Action;
import io.bowline.controlplane.istio.AuthorizationPolicy.Condition;
import io.bowline.controlplane.istio.AuthorizationPolicy.Rule;
import io.bowline.controlplane.istio.DiagnosticCollector;
import io.envoyproxy.envoy.config.rbac.v3.Permission;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.Principal;
import io.envoyproxy.envoy.type.matcher.v3.PathMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One Istio {@code AuthorizationPolicy} rule → one Envoy RBAC {@code Policy}, as istiod's authorization model
 * ({@code authz/model}) builds it for HTTP with authenticated principals (what its {@code grpc} generator
 * uses):
 *
 * <ul>
 *   <li>permissions: one {@code and_rules} per {@code to[].operation} (one {@code any} when there is none) of,
 *       in this order, {@code hosts} ({@code :authority}, case-insensitive), {@code methods} ({@code :method}),
 *       {@code paths} ({@code url_path}), {@code ports} ({@code destination_port}), then the permission
 *       conditions of {@code when} ({@code destination.ip}, {@code destination.port}, {@code connection.sni});
 *   <li>principals: one {@code and_ids} per {@code from[].source} (one {@code any} when there is none) of
 *       {@code principals} ({@code authenticated} URI SAN, {@code spiffe://} prefixed), {@code requestPrincipals}
 *       (JWT {@code iss}/{@code sub} metadata), {@code serviceAccounts}, {@code namespaces}
 *       ({@code .* /ns/<ns>/.*} regex), {@code remoteIpBlocks} ({@code remote_ip}), {@code ipBlocks}
 *       ({@code direct_remote_ip}), then the principal conditions of {@code when}.
 * </ul>
 *
 * The values of one field are ORed ({@code or_rules} / {@code or_ids}), {@code notX} values are ORed then
 * negated. A value that cannot be translated for a proxyless gRPC server (a path template, a
 * {@code grpc-}-prefixed or {@code :scheme} header, which grpc-java rejects) drops the whole rule of an ALLOW
 * policy (it then allows less) and only that value of a DENY policy (it then denies more), as istiod does with
 * values it cannot translate. An unknown {@code when} key drops the rule. JWT-based fields
 * ({@code requestPrincipals}, {@code request.auth.*}) are translated to metadata matchers as istiod does, with
 * a warning: gRPC never matches metadata (gRFC A41).
 */
final class RbacTranslator {

  /** A value that has no translation for proxyless gRPC. */
  static final class Unsupported extends Exception {
    Unsupported(String message) {
      super(message);
    }
  }

  private final AuthorizationPolicy policy;
  private final DiagnosticCollector diagnostics;

  RbacTranslator(AuthorizationPolicy policy, DiagnosticCollector diagnostics) {
    this.policy = policy;
    this.diagnostics = diagnostics;
  }

  /** The RBAC policy name istiod gives rule {@code index}: {@code <namespace>-<name>-<index>}. */
  static String policyName(AuthorizationPolicy policy, int index) {
    return policy.ref().namespace() + "-" + policy.ref().name() + "-" + index;
  }

  /** The rule as an RBAC policy, or empty when it is dropped (with a warning naming why). */
  Optional<Policy> translate(Rule rule) {
    try {
      for (Condition condition : rule.when()) {
        if (!isKnownKey(condition.key())) {
          throw new Unsupported("when key " + condition.key() + " is not an Istio authorization attribute");
        }
      }
      List<Permission> permissions = new ArrayList<>();
      List<Map<String, List<String>>> to = rule.to().isEmpty() ? List.of(Map.of()) : rule.to();
      for (int i = 0; i < to.size(); i++) {
        permissions.add(permission(rule, rule.field() + ".to[" + i + "].operation", to.get(i)));
      }
      List<Principal> principals = new ArrayList<>();
      List<Map<String, List<String>>> from = rule.from().isEmpty() ? List.of(Map.of()) : rule.from();
      for (int i = 0; i < from.size(); i++) {
        principals.add(principal(rule, rule.field() + ".from[" + i + "].source", from.get(i)));
      }
      return Optional.of(Policy.newBuilder().addAllPermissions(permissions).addAllPrincipals(principals).build());
    } catch (Unsupported e) {
      diagnostics.warning(DiagnosticCode.NOT_TRANSLATED,
          policy.ref(), rule.field(), e.getMessage() + "; the rule is not translated (an ALLOW"
          + " policy then allows less)");
      return Optional.empty();
    }
  }

  private Permission permission(Rule rule, String field, Map<String, List<String>> operation) throws Unsupported {
    List<Permission> and = new ArrayList<>();
    permissionField(and, field, "hosts", operation,
        value -> Permission.newBuilder().setHeader(RbacMatchers.header(":authority", value, true)).build());
    permissionField(and, field, "methods", operation,
        value -> Permission.newBuilder().setHeader(RbacMatchers.header(":method", value, false)).build());
    permissionField(and, field, "paths", operation, RbacTranslator::path);
    permissionField(and, field, "ports", operation, RbacTranslator::port);
    for (Condition condition : rule.when()) {
      switch (condition.key()) {
        case "destination.ip" -> permissions(and, rule.field() + ".when", condition.values(), condition.notValues(),
            value -> Permission.newBuilder().setDestinationIp(RbacMatchers.cidr(value)).build());
        case "destination.port" -> permissions(and, rule.field() + ".when", condition.values(),
            condition.notValues(), RbacTranslator::port);
        case "connection.sni" -> permissions(and, rule.field() + ".when", condition.values(), condition.notValues(),
            value -> Permission.newBuilder().setRequestedServerName(RbacMatchers.string(value, "")).build());
        default -> { }
      }
    }
    return RbacMatchers.and(and.isEmpty() ? List.of(RbacMatchers.any()) : and);
  }

  private Principal principal(Rule rule, String field, Map<String, List<String>> source) throws Unsupported {
    List<Principal> and = new ArrayList<>();
    principalField(and, field, "principals", source, RbacTranslator::spiffePrincipal);
    requestPrincipals(and, field, source.getOrDefault("requestPrincipals", List.of()),
        source.getOrDefault("notRequestPrincipals", List.of()));
    principalField(and, field, "serviceAccounts", source, this::serviceAccount);
    principalField(and, field, "namespaces", source, RbacTranslator::namespace);
    principalField(and, field, "remoteIpBlocks", source,
        value -> Principal.newBuilder().setRemoteIp(RbacMatchers.cidr(value)).build());
    principalField(and, field, "ipBlocks", source,
        value -> Principal.newBuilder().setDirectRemoteIp(RbacMatchers.cidr(value)).build());
    String when = rule.field() + ".when";
    for (Condition condition : rule.when()) {
      String key = condition.key();
      List<String> values = condition.values();
      List<String> notValues = condition.notValues();
      if (key.equals("source.ip")) {
        principals(and, when, values, notValues,
            value -> Principal.newBuilder().setDirectRemoteIp(RbacMatchers.cidr(value)).build());
      } else if (key.equals("remote.ip")) {
        principals(and, when, values, notValues,
            value -> Principal.newBuilder().setRemoteIp(RbacMatchers.cidr(value)).build());
      } else if (key.equals("source.namespace")) {
        principals(and, when, values, notValues, RbacTranslator::namespace);
      } else if (key.equals("source.principal")) {
        principals(and, when, values, notValues, RbacTranslator::spiffePrincipal);
      } else if (key.equals("source.serviceAccount")) {
        principals(and, when, values, notValues, this::serviceAccount);
      } else if (key.startsWith("request.headers[")) {
        String header = bracketed(key, "request.headers");
        principals(and, when, values, notValues,
            value -> Principal.newBuilder().setHeader(RbacMatchers.header(grpcHeader(header), value, false)).build());
      } else if (key.equals("request.auth.principal")) {
        requestPrincipals(and, when, values, notValues);
      } else if (key.startsWith("request.auth.")) {
        jwtMetadata(and, when, key, values, notValues);
      } else if (key.startsWith("experimental.envoy.filters.") || key.startsWith("request.experimental.inline.headers")) {
        unsupported(when, key + " is not supported by proxyless gRPC servers");
      }
    }
    return RbacMatchers.andIds(and.isEmpty() ? List.of(RbacMatchers.anyId()) : and);
  }

  private static boolean isKnownKey(String key) {
    return List.of("destination.ip", "destination.port", "connection.sni", "source.ip", "remote.ip",
            "source.namespace", "source.principal", "source.serviceAccount", "request.auth.principal",
            "request.auth.audiences", "request.auth.presenter").contains(key)
        || key.startsWith("request.headers[") || key.startsWith("request.auth.claims[")
        || key.startsWith("experimental.envoy.filters.") || key.startsWith("request.experimental.inline.headers[");
  }

  /** A generator of one value's matcher. */
  @FunctionalInterface
  private interface Generator<T> {
    T apply(String value) throws Unsupported;
  }

  private void permissionField(List<Permission> and, String field, String name, Map<String, List<String>> fields,
      Generator<Permission> generator) throws Unsupported {
    String not = "not" + Character.toUpperCase(name.charAt(0)) + name.substring(1);
    permissions(and, field, fields.getOrDefault(name, List.of()), fields.getOrDefault(not, List.of()), generator);
  }

  private void permissions(List<Permission> and, String field, List<String> values, List<String> notValues,
      Generator<Permission> generator) throws Unsupported {
    List<Permission> any = each(field, values, generator);
    if (!any.isEmpty()) {
      and.add(RbacMatchers.or(any));
    }
    List<Permission> none = each(field, notValues, generator);
    if (!none.isEmpty()) {
      and.add(RbacMatchers.not(RbacMatchers.or(none)));
    }
  }

  private void principalField(List<Principal> and, String field, String name, Map<String, List<String>> fields,
      Generator<Principal> generator) throws Unsupported {
    String not = "not" + Character.toUpperCase(name.charAt(0)) + name.substring(1);
    principals(and, field, fields.getOrDefault(name, List.of()), fields.getOrDefault(not, List.of()), generator);
  }

  private void principals(List<Principal> and, String field, List<String> values, List<String> notValues,
      Generator<Principal> generator) throws Unsupported {
    List<Principal> any = each(field, values, generator);
    if (!any.isEmpty()) {
      and.add(RbacMatchers.orIds(any));
    }
    List<Principal> none = each(field, notValues, generator);
    if (!none.isEmpty()) {
      and.add(RbacMatchers.notId(RbacMatchers.orIds(none)));
    }
  }

  /** Each value's matcher; a value without translation drops the rule (ALLOW) or only itself (DENY). */
  private <T> List<T> each(String field, List<String> values, Generator<T> generator) throws Unsupported {
    List<T> result = new ArrayList<>();
    for (String value : values) {
      try {
        result.add(generator.apply(value));
      } catch (Unsupported e) {
        unsupported(field, e.getMessage());
      }
    }
    return result;
  }

  private void unsupported(String field, String message) throws Unsupported {
    if (policy.action() == Action.ALLOW) {
      throw new Unsupported(message);
    }
    diagnostics.warning(policy.ref(), field, message + "; the value is ignored (a " + policy.action()
        + " policy then matches more)");
  }

  /** JWT {@code iss/sub} principals, as istiod writes them; gRPC never matches them (no JWT authentication). */
  private void requestPrincipals(List<Principal> and, String field, List<String> values, List<String> notValues) {
    if (values.isEmpty() && notValues.isEmpty()) {
      return;
    }
    diagnostics.warning(policy.ref(), field, "request principals come from JWT authentication"
        + " (RequestAuthentication), which proxyless gRPC servers do not have: the metadata matchers istiod writes"
        + " never match in gRPC (gRFC A41), so " + (notValues.isEmpty() ? "requestPrincipals" : "notRequestPrincipals")
        + " " + (notValues.isEmpty() ? "never match" : "always match"));
    if (!values.isEmpty()) {
      and.add(jwtPrincipals(values));
    }
    if (!notValues.isEmpty()) {
      and.add(RbacMatchers.notId(jwtPrincipals(notValues)));
    }
  }

  private static Principal jwtPrincipals(List<String> values) {
    List<Principal> or = new ArrayList<>();
    for (String value : values) {
      int slash = value.lastIndexOf('/');
      String iss = slash >= 0 ? value.substring(0, slash) : value;
      String sub = slash >= 0 ? value.substring(slash + 1) : "";
      StringMatcher any = RbacMatchers.regex(".+");
      StringMatcher matchIss;
      StringMatcher matchSub;
      if (value.equals("*")) {
        matchIss = any;
        matchSub = any;
      } else if (value.startsWith("*")) {
        matchIss = slash < 0 ? any : iss.equals("*") ? any : StringMatcher.newBuilder().setSuffix(iss.substring(1)).build();
        matchSub = slash < 0 ? StringMatcher.newBuilder().setSuffix(value.substring(1)).build()
            : StringMatcher.newBuilder().setExact(sub).build();
      } else if (value.endsWith("*")) {
        matchIss = slash < 0 ? StringMatcher.newBuilder().setPrefix(value.substring(0, value.length() - 1)).build()
            : StringMatcher.newBuilder().setExact(iss).build();
        matchSub = slash < 0 ? any : sub.equals("*") ? any
            : StringMatcher.newBuilder().setPrefix(sub.substring(0, sub.length() - 1)).build();
      } else {
        matchIss = StringMatcher.newBuilder().setExact(iss).build();
        matchSub = StringMatcher.newBuilder().setExact(sub).build();
      }
      or.add(RbacMatchers.andIds(List.of(
          Principal.newBuilder().setMetadata(RbacMatchers.jwtClaim(List.of("iss"), matchIss)).build(),
          Principal.newBuilder().setMetadata(RbacMatchers.jwtClaim(List.of("sub"), matchSub)).build())));
    }
    return or.size() == 1 ? or.get(0) : RbacMatchers.orIds(or);
  }

  /** {@code request.auth.audiences|presenter|claims[...]}: JWT claim metadata, never matched by gRPC. */
  private void jwtMetadata(List<Principal> and, String field, String key, List<String> values, List<String> notValues)
      throws Unsupported {
    List<String> claims;
    if (key.equals("request.auth.audiences")) {
      claims = List.of("aud");
    } else if (key.equals("request.auth.presenter")) {
      claims = List.of("azp");
    } else {
      claims = List.of(bracketed(key, "request.auth.claims").split("\\]\\["));
    }
    diagnostics.warning(policy.ref(), field, key + " needs JWT authentication, which proxyless gRPC servers do not"
        + " have: the metadata matcher istiod writes never matches in gRPC (gRFC A41)");
    if (!values.isEmpty()) {
      and.add(RbacMatchers.orIds(values.stream().map(value -> Principal.newBuilder()
          .setMetadata(RbacMatchers.jwtClaim(claims, RbacMatchers.string(value, ""))).build()).toList()));
    }
    if (!notValues.isEmpty()) {
      and.add(RbacMatchers.notId(RbacMatchers.orIds(notValues.stream().map(value -> Principal.newBuilder()
          .setMetadata(RbacMatchers.jwtClaim(claims, RbacMatchers.string(value, ""))).build()).toList())));
    }
  }

  private static String bracketed(String key, String attribute) throws Unsupported {
    String rest = key.substring(attribute.length());
    if (!rest.startsWith("[") || !rest.endsWith("]") || rest.length() < 3) {
      throw new Unsupported("when key " + key + " must be " + attribute + "[<name>]");
    }
    return rest.substring(1, rest.length() - 1);
  }

  /** A request header gRPC's RBAC accepts: grpc-java rejects the whole listener for {@code grpc-*} and {@code :scheme}. */
  private static String grpcHeader(String header) throws Unsupported {
    if (header.startsWith("grpc-") || header.equals(":scheme")) {
      throw new Unsupported("header " + header + " cannot be matched by gRPC's RBAC (gRFC A41 rejects grpc-* and"
          + " :scheme)");
    }
    return header;
  }

  private static Permission path(String value) throws Unsupported {
    if (value.contains("{*}") || value.contains("{**}")) {
      throw new Unsupported("path template " + value + " needs Envoy's uri_template matcher, which gRPC does not"
          + " support");
    }
    return Permission.newBuilder()
        .setUrlPath(PathMatcher.newBuilder().setPath(RbacMatchers.string(value, ""))).build();
  }

  private static Permission port(String value) throws Unsupported {
    if (!value.matches("[0-9]{1,5}") || Integer.parseInt(value) > 65535) {
      throw new Unsupported("'" + value + "' is not a port number");
    }
    return Permission.newBuilder().setDestinationPort(Integer.parseInt(value)).build();
  }

  private static Principal spiffePrincipal(String value) {
    return RbacMatchers.authenticated(RbacMatchers.string(value, SPIFFE));
  }

  private static Principal namespace(String value) {
    return RbacMatchers.authenticated(RbacMatchers.regex(".*/ns/" + value.replace("*", ".*") + "/.*"));
  }

  /** {@code <name>} (in the policy's namespace) or {@code <namespace>/<name>}, as istiod's service account regex. */
  private Principal serviceAccount(String value) {
    int slash = value.indexOf('/');
    String namespace = slash < 0 ? policy.ref().namespace() : value.substring(0, slash);
    String name = slash < 0 ? value : value.substring(slash + 1);
    return RbacMatchers.authenticated(
        RbacMatchers.regex("spiffe://.+/ns/" + namespace + "/(.+/|)sa/" + name + "(/.+)?"));
  }
}
