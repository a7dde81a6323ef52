package io.bowline.controlplane.istio;

import io.bowline.controlplane.istio.AuthorizationPolicy.Action;
import io.bowline.controlplane.istio.AuthorizationPolicy.Condition;
import io.bowline.controlplane.istio.AuthorizationPolicy.Rule;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Parses the {@code spec} of {@code PeerAuthentication} and {@code AuthorizationPolicy}
 * (security.istio.io), with istiod's validation: an unknown mode or action is an error, a CUSTOM policy needs
 * {@code provider.name}, a {@code from[]} entry needs a non-empty {@code source} and a {@code to[]} entry a
 * non-empty {@code operation}, a condition needs {@code values} or {@code notValues}, and
 * {@code portLevelMtls} needs a selector.
 */
final class SecurityPolicyParser {

  /** {@code Source} fields, in the order istiod's authz model evaluates them. */
  static final List<String> SOURCE_FIELDS = List.of("principals", "notPrincipals", "requestPrincipals",
      "notRequestPrincipals", "serviceAccounts", "notServiceAccounts", "namespaces", "notNamespaces",
      "remoteIpBlocks", "notRemoteIpBlocks", "ipBlocks", "notIpBlocks");
  /** {@code Operation} fields. */
  static final List<String> OPERATION_FIELDS =
      List.of("hosts", "notHosts", "methods", "notMethods", "paths", "notPaths", "ports", "notPorts");

  private SecurityPolicyParser() {}

  static Optional<PeerAuthentication> peerAuthentication(SpecReader spec) {
    spec.reportUnhandled(Set.of("selector", "mtls", "portLevelMtls"), Set.of());
    Optional<Map<String, String>> selector = selector(spec);
    MtlsMode mode = spec.object("mtls").map(SecurityPolicyParser::mode).orElse(MtlsMode.UNSET);
    Map<Integer, MtlsMode> ports = new LinkedHashMap<>();
    spec.object("portLevelMtls").ifPresent(portLevel -> {
      if (selector.isEmpty()) {
        spec.warning("portLevelMtls", "portLevelMtls needs a selector (istiod's validation); ignored");
        return;
      }
      for (String port : portLevel.keys()) {
        if (!port.matches("[0-9]{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
          portLevel.error(port, "port " + port + " is out of range 1..65535");
          continue;
        }
        portLevel.objectAt(port).ifPresent(mtls -> ports.put(Integer.parseInt(port), mode(mtls)));
      }
    });
    return Optional.of(new PeerAuthentication(spec.ref(), selector, mode, ports));
  }

  private static MtlsMode mode(SpecReader mtls) {
    mtls.reportUnhandled(Set.of("mode"), Set.of());
    String mode = mtls.string("mode").orElse("UNSET");
    try {
      return MtlsMode.valueOf(mode);
    } catch (IllegalArgumentException e) {
      mtls.error("mode", "unknown mode '" + ValueChecks.shorten(String.valueOf(mode))
          + "' (UNSET, DISABLE, PERMISSIVE, STRICT)");
      return MtlsMode.UNSET;
    }
  }

  static Optional<AuthorizationPolicy> authorizationPolicy(SpecReader spec) {
    for (String target : List.of("targetRef", "targetRefs")) {
      if (spec.has(target)) {
        spec.warning(target, target + " attaches the policy to gateways or waypoints, which are not translated;"
            + " the policy is skipped (it does not apply to the namespace's workloads)");
        return Optional.empty();
      }
    }
    spec.reportUnhandled(Set.of("selector", "action", "provider", "rules"), Set.of());
    String actionName = spec.string("action").orElse("ALLOW").toUpperCase(Locale.ROOT);
    Action action;
    try {
      action = Action.valueOf(actionName);
    } catch (IllegalArgumentException e) {
      spec.error("action", "unknown action '" + ValueChecks.shorten(String.valueOf(actionName))
          + "' (ALLOW, DENY, AUDIT, CUSTOM)");
      return Optional.empty();
    }
    String provider = spec.object("provider").flatMap(p -> p.string("name")).orElse("");
    if (action == Action.CUSTOM && provider.isEmpty()) {
      spec.error("provider", "a CUSTOM policy needs provider.name");
    } else if (action != Action.CUSTOM && spec.has("provider")) {
      spec.error("provider", "provider is only allowed with action CUSTOM");
    }
    List<Rule> rules = new ArrayList<>();
    for (SpecReader rule : spec.objects("rules")) {
      rule.reportUnhandled(Set.of("from", "to", "when"), Set.of());
      List<Map<String, List<String>>> from = new ArrayList<>();
      for (SpecReader entry : rule.objects("from")) {
        entry.reportUnhandled(Set.of("source"), Set.of());
        from.add(fields(entry, "source", SOURCE_FIELDS));
      }
      List<Map<String, List<String>>> to = new ArrayList<>();
      for (SpecReader entry : rule.objects("to")) {
        entry.reportUnhandled(Set.of("operation"), Set.of());
        to.add(fields(entry, "operation", OPERATION_FIELDS));
      }
      List<Condition> when = new ArrayList<>();
      for (SpecReader condition : rule.objects("when")) {
        condition.reportUnhandled(Set.of("key", "values", "notValues"), Set.of());
        Optional<String> key = condition.requiredString("key");
        List<String> values = condition.strings("values");
        List<String> notValues = condition.strings("notValues");
        if (values.isEmpty() && notValues.isEmpty()) {
          condition.error("values", "a condition needs values or notValues");
        }
        key.ifPresent(k -> when.add(new Condition(k, values, notValues)));
      }
      rules.add(new Rule(rule.path(), from, to, when));
    }
    return Optional.of(new AuthorizationPolicy(spec.ref(), selector(spec), action, provider, rules));
  }

  /** The fields of {@code entry.<name>} (a Source or Operation), which must set at least one of them. */
  private static Map<String, List<String>> fields(SpecReader entry, String name, List<String> known) {
    Map<String, List<String>> fields = new LinkedHashMap<>();
    Optional<SpecReader> object = entry.object(name);
    object.ifPresent(o -> {
      o.reportUnhandled(Set.copyOf(known), Set.of());
      for (String field : known) {
        List<String> values = o.strings(field);
        for (int i = 0; i < values.size(); i++) {
          if (values.get(i).isEmpty()) {
            o.error(field + "[" + i + "]", "empty value");
          }
        }
        if (!values.isEmpty()) {
          fields.put(field, values);
        }
      }
    });
    if (fields.isEmpty()) {
      entry.error(name, name + " must set at least one field (istiod rejects an empty " + name + ")");
    }
    return fields;
  }

  private static Optional<Map<String, String>> selector(SpecReader spec) {
    return spec.object("selector").map(selector -> {
      selector.reportUnhandled(Set.of("matchLabels"), Set.of());
      return selector.stringMap("matchLabels");
    }).filter(labels -> !labels.isEmpty());
  }
}
