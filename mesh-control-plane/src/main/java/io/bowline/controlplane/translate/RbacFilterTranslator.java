package io.bowline.controlplane.translate;

import io.bowline.controlplane.DiagnosticCode;
import com.google.protobuf.Any;
import io.bowline.controlplane.istio.AuthorizationPolicy;
import io.bowline.controlplane.istio.AuthorizationPolicy.Action;
import io.bowline.controlplane.istio.DiagnosticCollector;
import io.bowline.controlplane.istio.Sidecar;
import io.envoyproxy.envoy.config.rbac.v3.Policy;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The RBAC HTTP filters of a workload's inbound listener, in Istio's order: {@value #DENY_FILTER} (the DENY
 * policies' rules) then {@value #ALLOW_FILTER} (the ALLOW policies' rules). A workload's policies are those of
 * the root namespace ({@value Sidecar#ROOT_NAMESPACE}) and of its own namespace whose selector labels it
 * carries (no selector: all its workloads).
 *
 * <p>The DENY filter is written only when some DENY rule translates. The ALLOW filter is written whenever the
 * workload has an ALLOW policy, even one without rules: an ALLOW filter with no policies denies everything,
 * which is Istio's "allow-nothing" semantics (istiod's {@code grpc} generator omits the empty filter and so
 * allows everything; Bowline follows the documented semantics). No ALLOW policy: no ALLOW filter, everything not
 * denied is allowed. AUDIT and CUSTOM policies are not translated (gRPC's RBAC has no LOG-with-effect nor
 * ext_authz; istiod's {@code grpc} generator ignores them too) and are reported.
 */
final class RbacFilterTranslator {

  /** istiod's name of the DENY filter. */
  static final String DENY_FILTER = "envoy.filters.http.rbac.DENY";
  /** istiod's name of the ALLOW filter. */
  static final String ALLOW_FILTER = "envoy.filters.http.rbac";

  private RbacFilterTranslator() {}

  /** The RBAC filters for the workload {@code labels} in {@code namespace}; diagnostics go to {@code diagnostics}. */
  static List<HttpFilter> filters(List<AuthorizationPolicy> all, String namespace, Map<String, String> labels,
      DiagnosticCollector diagnostics) {
    List<AuthorizationPolicy> applying = all.stream()
        .filter(p -> p.ref().namespace().equals(namespace) || p.ref().namespace().equals(Sidecar.ROOT_NAMESPACE))
        .filter(p -> p.selector().isEmpty() || labels.entrySet().containsAll(p.selector().get().entrySet()))
        .toList();
    List<HttpFilter> filters = new ArrayList<>();
    Map<String, Policy> deny = policies(applying, Action.DENY, diagnostics);
    if (!deny.isEmpty()) {
      filters.add(filter(DENY_FILTER, RBAC.Action.DENY, deny));
    }
    if (applying.stream().anyMatch(p -> p.action() == Action.ALLOW)) {
      filters.add(filter(ALLOW_FILTER, RBAC.Action.ALLOW, policies(applying, Action.ALLOW, diagnostics)));
    }
    return filters;
  }

  /**
   * Reports, for every policy of the configuration, what is not translated: AUDIT and CUSTOM policies, and the
   * rules and values of ALLOW and DENY policies that have no translation.
   */
  static void check(List<AuthorizationPolicy> all, DiagnosticCollector diagnostics) {
    for (AuthorizationPolicy policy : all) {
      switch (policy.action()) {
        case AUDIT -> diagnostics.warning(DiagnosticCode.NOT_TRANSLATED,
            policy.ref(), "spec.action", "AUDIT policies are not translated:"
            + " proxyless gRPC has no audit logging (istiod's grpc generator ignores them); no effect on requests");
        case CUSTOM -> diagnostics.warning(DiagnosticCode.NOT_TRANSLATED,
            policy.ref(), "spec.action", "CUSTOM policies (provider "
            + policy.provider() + ") are not translated: proxyless gRPC servers have no ext_authz filter, so"
            + " requests are NOT checked by the provider");
        default -> policies(List.of(policy), policy.action(), diagnostics);
      }
    }
  }

  private static Map<String, Policy> policies(List<AuthorizationPolicy> policies, Action action,
      DiagnosticCollector diagnostics) {
    Map<String, Policy> byName = new TreeMap<>();
    for (AuthorizationPolicy policy : policies) {
      if (policy.action() != action) {
        continue;
      }
      RbacTranslator translator = new RbacTranslator(policy, diagnostics);
      for (int i = 0; i < policy.rules().size(); i++) {
        Optional<Policy> translated = translator.translate(policy.rules().get(i));
        int index = i;
        translated.ifPresent(p -> byName.put(RbacTranslator.policyName(policy, index), p));
      }
    }
    return byName;
  }

  private static HttpFilter filter(String name, RBAC.Action action, Map<String, Policy> policies) {
    RBAC rules = RBAC.newBuilder().setAction(action).putAllPolicies(policies).build();
    return HttpFilter.newBuilder().setName(name).setTypedConfig(Any.pack(
        io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.newBuilder().setRules(rules).build())).build();
  }
}
