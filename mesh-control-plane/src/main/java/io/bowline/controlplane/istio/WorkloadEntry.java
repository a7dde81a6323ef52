package io.bowline.controlplane.istio;

/**
 * An Istio {@code WorkloadEntry}: a workload outside Kubernetes, selected by a ServiceEntry's
 * {@code workloadSelector} in the same namespace.
 *
 * @param ref where it came from
 * @param endpoint its {@code spec}
 */
public record WorkloadEntry(ResourceRef ref, WorkloadEndpoint endpoint) {}
