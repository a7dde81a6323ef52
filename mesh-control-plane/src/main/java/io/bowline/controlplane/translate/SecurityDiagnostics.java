package io.bowline.controlplane.translate;

import io.bowline.controlplane.DiagnosticCode;
import io.bowline.controlplane.istio.AuthorizationPolicy;
import io.bowline.controlplane.istio.AuthorizationPolicy.Rule;
import io.bowline.controlplane.istio.DiagnosticCollector;
import io.bowline.controlplane.istio.IstioConfig;
import io.bowline.controlplane.istio.MtlsMode;
import io.bowline.controlplane.istio.PeerAuthentication;
import io.bowline.controlplane.istio.ResourceRef;
import io.bowline.controlplane.istio.ServiceEntry;
import io.bowline.controlplane.istio.Sidecar;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What {@code analyze} says about PeerAuthentications and AuthorizationPolicies beyond their translation,
 * for the workloads the configuration knows (WorkloadEntries, Deployments' pods, ServiceEntry endpoints):
 *
 * <ul>
 *   <li>a policy with a selector that selects none of them (information: it has no effect until one exists);
 *   <li>an AuthorizationPolicy rule on peer identity ({@code principals}, {@code namespaces},
 *       {@code serviceAccounts} and their {@code not} forms, {@code source.principal},
 *       {@code source.namespace}, {@code source.serviceAccount}) for a selected workload served in plaintext
 *       (its mTLS mode is DISABLE, or PERMISSIVE, which gRPC serves as plaintext): a plaintext peer has no
 *       identity, so the rule never matches there (warning).
 * </ul>
 */
final class SecurityDiagnostics {

  private static final Set<String> IDENTITY_FIELDS = Set.of("principals", "notPrincipals", "namespaces",
      "notNamespaces", "serviceAccounts", "notServiceAccounts");
  private static final Set<String> IDENTITY_KEYS = Set.of("source.principal", "source.namespace",
      "source.serviceAccount");

  /** A workload the configuration knows: its namespace and labels. */
  private record Workload(String namespace, Map<String, String> labels) {
    String label() {
      return namespace + "/" + new java.util.TreeMap<>(labels);
    }
  }

  private SecurityDiagnostics() {}

  static void check(IstioConfig config, DiagnosticCollector diagnostics) {
    if (config.security().peerAuthentications().isEmpty() && config.security().authorizationPolicies().isEmpty()) {
      return;
    }
    List<Workload> workloads = workloads(config);
    for (PeerAuthentication policy : config.security().peerAuthentications()) {
      selectsNothing(policy.ref(), policy.selector(), workloads, diagnostics);
    }
    for (AuthorizationPolicy policy : config.security().authorizationPolicies()) {
      if (selectsNothing(policy.ref(), policy.selector(), workloads, diagnostics)) {
        continue;
      }
      if (policy.action() != AuthorizationPolicy.Action.ALLOW && policy.action() != AuthorizationPolicy.Action.DENY) {
        continue;
      }
      Optional<Workload> plaintext = selected(policy.ref(), policy.selector(), workloads).stream()
          .filter(workload -> servedInPlaintext(config, workload)).findFirst();
      if (plaintext.isEmpty()) {
        continue;
      }
      for (Rule rule : policy.rules()) {
        identityField(rule).ifPresent(field -> diagnostics.warning(policy.ref(), field, "peer identity is only"
            + " known over mTLS, and workload " + plaintext.get().label() + " is served in plaintext to gRPC"
            + " (mTLS mode DISABLE or PERMISSIVE; gRPC serves PERMISSIVE as plaintext): this rule never matches"
            + " its requests; make the workload STRICT with a PeerAuthentication"));
      }
    }
  }

  private static Optional<String> identityField(Rule rule) {
    for (int i = 0; i < rule.from().size(); i++) {
      for (String field : rule.from().get(i).keySet()) {
        if (IDENTITY_FIELDS.contains(field)) {
          return Optional.of(rule.field() + ".from[" + i + "].source." + field);
        }
      }
    }
    for (int i = 0; i < rule.when().size(); i++) {
      if (IDENTITY_KEYS.contains(rule.when().get(i).key())) {
        return Optional.of(rule.field() + ".when[" + i + "].key");
      }
    }
    return Optional.empty();
  }

  private static boolean servedInPlaintext(IstioConfig config, Workload workload) {
    MtlsMode mode = PeerAuthenticationModes.effective(
        config.security().peerAuthentications(), workload.namespace(), workload.labels(), 0);
    boolean autoMtls = "istio".equals(workload.labels().get(InboundListenerTranslator.TLS_MODE_LABEL));
    return mode == MtlsMode.DISABLE || mode == MtlsMode.PERMISSIVE && !autoMtls;
  }

  /** Reports a selector that selects no known workload; returns whether it did. */
  private static boolean selectsNothing(ResourceRef ref, Optional<Map<String, String>> selector,
      List<Workload> workloads, DiagnosticCollector diagnostics) {
    if (selector.isEmpty() || !selected(ref, selector, workloads).isEmpty()) {
      return false;
    }
    diagnostics.info(DiagnosticCode.REFERENCE_SKIPPED,
        ref, "spec.selector.matchLabels", "selects no workload of this configuration (WorkloadEntries,"
        + " Deployments, ServiceEntry endpoints" + (ref.namespace().equals(Sidecar.ROOT_NAMESPACE) ? "" : " of namespace "
        + ref.namespace()) + "); it has no effect until one is registered");
    return true;
  }

  private static List<Workload> selected(ResourceRef ref, Optional<Map<String, String>> selector,
      List<Workload> workloads) {
    return workloads.stream()
        .filter(w -> ref.namespace().equals(Sidecar.ROOT_NAMESPACE) || w.namespace().equals(ref.namespace()))
        .filter(w -> selector.isEmpty() || w.labels().entrySet().containsAll(selector.get().entrySet()))
        .toList();
  }

  private static List<Workload> workloads(IstioConfig config) {
    List<Workload> workloads = new ArrayList<>();
    config.workloadEntries().forEach(e -> workloads.add(new Workload(e.ref().namespace(), e.endpoint().labels())));
    config.deployments().forEach(d -> workloads.add(new Workload(d.ref().namespace(), d.podLabels())));
    for (ServiceEntry entry : config.serviceEntries()) {
      entry.endpoints().stream().filter(e -> !e.labels().isEmpty())
          .forEach(e -> workloads.add(new Workload(entry.ref().namespace(), e.labels())));
    }
    return workloads;
  }
}
