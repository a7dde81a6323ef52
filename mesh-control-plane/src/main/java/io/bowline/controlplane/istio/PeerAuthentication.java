package io.bowline.controlplane.istio;

import java.util.Map;
import java.util.Optional;

/**
 * An Istio {@code PeerAuthentication} (security.istio.io v1/v1beta1): the mTLS mode a workload's inbound
 * ports accept. A policy without selector in the root namespace ({@value Sidecar#ROOT_NAMESPACE}) applies to
 * the mesh, one without selector in another namespace to that namespace, one with a selector to the
 * workloads of its namespace carrying all the selector's labels.
 *
 * @param ref where it came from
 * @param selector {@code spec.selector.matchLabels}; empty when the policy has no selector
 * @param mode {@code spec.mtls.mode}; {@link MtlsMode#UNSET} when absent
 * @param portLevelMtls {@code spec.portLevelMtls}: workload (target) port → mode; only honoured with a selector
 */
public record PeerAuthentication(
    ResourceRef ref, Optional<Map<String, String>> selector, MtlsMode mode, Map<Integer, MtlsMode> portLevelMtls) {

  /** Copies the maps so the record stays immutable. */
  public PeerAuthentication {
    selector = selector.map(Map::copyOf);
    portLevelMtls = Map.copyOf(portLevelMtls);
  }
}
