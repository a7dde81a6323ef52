package io.bowline.controlplane.istio;

/**
 * An Istio {@code WorkloadEntry}: a workload outside Kubernetes, selected by a ServiceEntry's
 * {@code workloadSelector} in the same namespace.
 *
 * @param ref where it came from
 * @param endpoint its {@code spec}
 * @param serviceAccount {@code spec.serviceAccount} (its SPIFFE identity's {@code sa}); {@code ""} when unset
 */
public record WorkloadEntry(ResourceRef ref, WorkloadEndpoint endpoint, String serviceAccount) {

  /** An entry without service account. */
  public WorkloadEntry(ResourceRef ref, WorkloadEndpoint endpoint) {
    this(ref, endpoint, "");
  }
}
