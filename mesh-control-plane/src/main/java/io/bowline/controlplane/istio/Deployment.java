package io.bowline.controlplane.istio;

import java.util.Map;

/**
 * A Kubernetes {@code Deployment} (apps/v1), read only for its pod template labels: which workloads (and so
 * which DestinationRule subsets) exist in the cluster the configuration was written for.
 *
 * @param ref where it came from
 * @param podLabels {@code spec.template.metadata.labels}
 * @param replicas {@code spec.replicas} (Kubernetes' default 1)
 * @param serviceAccountName {@code spec.template.spec.serviceAccountName} (the pods' SPIFFE identity's
 *     {@code sa}); {@code ""} when unset, which Kubernetes runs as {@code default}
 */
public record Deployment(ResourceRef ref, Map<String, String> podLabels, int replicas, String serviceAccountName) {

  /** Copies the labels so the record stays immutable. */
  public Deployment {
    podLabels = Map.copyOf(podLabels);
  }

  /** A Deployment without service account name. */
  public Deployment(ResourceRef ref, Map<String, String> podLabels, int replicas) {
    this(ref, podLabels, replicas, "");
  }

  /** Whether the pods carry every label of {@code selector}. */
  public boolean hasLabels(Map<String, String> selector) {
    return selector.entrySet().stream().allMatch(label -> label.getValue().equals(podLabels.get(label.getKey())));
  }

  /** Parses the spec of a Deployment; never fails (a Deployment without template labels has none). */
  static Deployment parse(SpecReader spec) {
    Map<String, String> labels = spec.object("template")
        .flatMap(template -> template.object("metadata"))
        .map(metadata -> metadata.stringMap("labels"))
        .orElse(Map.of());
    String serviceAccount = spec.object("template")
        .flatMap(template -> template.object("spec"))
        .flatMap(podSpec -> podSpec.string("serviceAccountName"))
        .orElse("");
    return new Deployment(spec.ref(), labels, spec.integer("replicas").orElse(1), serviceAccount);
  }
}
