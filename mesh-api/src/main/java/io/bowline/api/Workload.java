package io.bowline.api;

import java.util.Map;

/**
 * The identity a {@link MeshClient} speaks for: Istio's workload name, namespace and pod labels.
 *
 * @param name workload name, e.g. {@code productpage-v1}
 * @param namespace Kubernetes namespace, e.g. {@code default}
 * @param labels pod labels (Istio node metadata {@code LABELS}); immutable
 */
public record Workload(String name, String namespace, Map<String, String> labels) {
  /**
   * Checks the components and keeps immutable copies of its collections.
   *
   * @param name workload name, e.g. {@code productpage-v1}
   * @param namespace Kubernetes namespace, e.g. {@code default}
   * @param labels pod labels (Istio node metadata {@code LABELS}); immutable
   */
  public Workload {
    labels = Map.copyOf(labels);
  }
}
