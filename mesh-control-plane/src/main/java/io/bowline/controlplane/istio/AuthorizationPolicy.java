package io.bowline.controlplane.istio;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An Istio {@code AuthorizationPolicy} (security.istio.io v1/v1beta1), as written: selection, action and
 * rules. Translation into Envoy RBAC policies (and what is not translated) is the translator's job.
 *
 * @param ref where it came from
 * @param selector {@code spec.selector.matchLabels}; empty when the policy applies to every workload of its
 *     namespace (or of the mesh, in the root namespace)
 * @param action {@code spec.action}; {@link Action#ALLOW} when unset
 * @param provider {@code spec.provider.name} of a CUSTOM policy; {@code ""} otherwise
 * @param rules {@code spec.rules}; empty means "no rules" (an ALLOW policy then matches nothing: deny all)
 */
public record AuthorizationPolicy(
    ResourceRef ref, Optional<Map<String, String>> selector, Action action, String provider, List<Rule> rules) {

  /** {@code AuthorizationPolicy.Action}. */
  public enum Action {
    /** Allow a request only if it matches a rule of some ALLOW policy (when the workload has any). */
    ALLOW,
    /** Deny a request that matches a rule. */
    DENY,
    /** Audit a matching request; never affects the decision. */
    AUDIT,
    /** Delegate the decision to an extension provider (ext_authz). */
    CUSTOM
  }

  /**
   * One {@code spec.rules[]} entry: {@code from} (OR) AND {@code to} (OR) AND {@code when} (AND).
   *
   * @param field the rule's field path, for example {@code spec.rules[0]}
   * @param from each {@code from[].source}: field name as written (for example {@code principals},
   *     {@code notNamespaces}) → values, in document order
   * @param to each {@code to[].operation}: field name ({@code hosts}, {@code notPaths}, ...) → values
   * @param when the {@code when[]} conditions
   */
  public record Rule(String field, List<Map<String, List<String>>> from, List<Map<String, List<String>>> to,
      List<Condition> when) {
    /** Copies the lists so the record stays immutable. */
    public Rule {
      from = from.stream().map(Map::copyOf).toList();
      to = to.stream().map(Map::copyOf).toList();
      when = List.copyOf(when);
    }
  }

  /**
   * One {@code when[]} condition.
   *
   * @param key {@code key}, for example {@code request.headers[x-token]}
   * @param values {@code values} (ORed)
   * @param notValues {@code notValues} (ORed, then negated)
   */
  public record Condition(String key, List<String> values, List<String> notValues) {
    /** Copies the lists. */
    public Condition {
      values = List.copyOf(values);
      notValues = List.copyOf(notValues);
    }
  }

  /** Copies the rules so the record stays immutable. */
  public AuthorizationPolicy {
    selector = selector.map(Map::copyOf);
    rules = List.copyOf(rules);
  }
}
