package io.bowline.controlplane.istio;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An Istio {@code Sidecar} (networking.istio.io v1/v1beta1/v1alpha3), as far as it scopes what a client sees:
 * the union of its {@code egress[].hosts}. A Sidecar without {@code workloadSelector} applies to every
 * workload of its namespace (and, in the root namespace {@value #ROOT_NAMESPACE}, to every namespace without
 * one of its own); one with a selector to the workloads carrying its labels.
 *
 * @param ref where it came from
 * @param workloadSelector {@code spec.workloadSelector.labels}; empty when the Sidecar has no selector
 * @param egressHosts {@code spec.egress[*].hosts}, each {@code namespace/host} as written
 */
public record Sidecar(ResourceRef ref, Optional<Map<String, String>> workloadSelector, List<String> egressHosts) {

  /** Istio's default root namespace, whose selector-less Sidecar is the mesh-wide default. */
  public static final String ROOT_NAMESPACE = "istio-system";

  /** Copies the collections so the record stays immutable. */
  public Sidecar {
    workloadSelector = workloadSelector.map(Map::copyOf);
    egressHosts = List.copyOf(egressHosts);
  }
}
