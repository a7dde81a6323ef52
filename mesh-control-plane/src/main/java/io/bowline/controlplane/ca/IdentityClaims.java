package io.bowline.controlplane.ca;

import io.bowline.controlplane.istio.Deployment;
import io.bowline.controlplane.istio.IstioConfig;
import io.bowline.controlplane.istio.WorkloadEntry;
import io.bowline.tls.SpiffeId;
import java.util.Optional;

/**
 * Which Istio identities the configuration declares, so the local CA signs nothing else:
 * {@code spiffe://<td>/ns/<ns>/sa/<sa>} where a WorkloadEntry of namespace {@code ns} has
 * {@code serviceAccount: sa}, a Deployment of {@code ns} has {@code serviceAccountName: sa}, or {@code sa} is
 * {@code default} (what Kubernetes runs a pod as when it names none).
 */
final class IdentityClaims {

  /** Kubernetes' service account of a pod that names none. */
  static final String DEFAULT_SERVICE_ACCOUNT = "default";

  private IdentityClaims() {
  }

  /**
   * Why {@code id} may not be issued in {@code trustDomain} under {@code config}, or empty if it may.
   */
  static Optional<String> refusal(SpiffeId id, String trustDomain, IstioConfig config) {
    if (!id.trustDomain().equals(trustDomain)) {
      return Optional.of("the CSR asks for " + id + ", outside this CA's trust domain " + trustDomain);
    }
    String namespace = id.istioNamespace();
    String serviceAccount = id.istioServiceAccount();
    if (namespace == null) {
      return Optional.of("the CSR asks for " + id + ", which is not an Istio identity /ns/<namespace>/sa/<name>");
    }
    if (serviceAccount.equals(DEFAULT_SERVICE_ACCOUNT)) {
      return Optional.empty();
    }
    for (WorkloadEntry entry : config.workloadEntries()) {
      if (entry.ref().namespace().equals(namespace) && entry.serviceAccount().equals(serviceAccount)) {
        return Optional.empty();
      }
    }
    for (Deployment deployment : config.deployments()) {
      if (deployment.ref().namespace().equals(namespace) && deployment.serviceAccountName().equals(serviceAccount)) {
        return Optional.empty();
      }
    }
    return Optional.of("the CSR asks for " + id + ", but no WorkloadEntry or Deployment in namespace " + namespace
        + " runs as service account " + serviceAccount);
  }
}
