package io.bowline.controlplane.translate;

import io.bowline.controlplane.istio.MtlsMode;
import io.bowline.controlplane.istio.PeerAuthentication;
import io.bowline.controlplane.istio.Sidecar;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The mTLS mode of one workload port under Istio's {@code PeerAuthentication}s, as istiod composes them: the
 * workload's policy (its namespace, selector labels all carried by the workload) with its
 * {@code portLevelMtls} entry for the port, else its own mode; {@code UNSET} inherits the namespace's policy
 * (no selector), which inherits the mesh's (no selector, root namespace {@value Sidecar#ROOT_NAMESPACE}); the
 * root default is PERMISSIVE. Where several policies of one level apply, the first in file order wins (istiod
 * takes the oldest).
 */
final class PeerAuthenticationModes {

  private PeerAuthenticationModes() {}

  /** The effective mode (never UNSET) for the workload {@code labels} in {@code namespace} on {@code port}. */
  static MtlsMode effective(List<PeerAuthentication> policies, String namespace, Map<String, String> labels, int port) {
    Optional<PeerAuthentication> workload = policies.stream()
        .filter(p -> p.ref().namespace().equals(namespace) && p.selector().isPresent()
            && labels.entrySet().containsAll(p.selector().get().entrySet()))
        .findFirst();
    Optional<PeerAuthentication> namespaceWide = policies.stream()
        .filter(p -> p.ref().namespace().equals(namespace) && p.selector().isEmpty()).findFirst();
    Optional<PeerAuthentication> mesh = policies.stream()
        .filter(p -> p.ref().namespace().equals(Sidecar.ROOT_NAMESPACE) && p.selector().isEmpty()).findFirst();
    MtlsMode mode = workload.map(p -> p.portLevelMtls().getOrDefault(port, MtlsMode.UNSET)).orElse(MtlsMode.UNSET);
    if (mode == MtlsMode.UNSET) {
      mode = workload.map(PeerAuthentication::mode).orElse(MtlsMode.UNSET);
    }
    if (mode == MtlsMode.UNSET) {
      mode = namespaceWide.map(PeerAuthentication::mode).orElse(MtlsMode.UNSET);
    }
    if (mode == MtlsMode.UNSET) {
      mode = mesh.map(PeerAuthentication::mode).orElse(MtlsMode.UNSET);
    }
    return mode == MtlsMode.UNSET ? MtlsMode.PERMISSIVE : mode;
  }
}
