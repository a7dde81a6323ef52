package io.bowline.runtime.telemetry;

import java.util.Map;

/**
 * Who this client is, as Istio's telemetry names it: the {@code source_*} labels of the metrics it
 * reports ({@code reporter="source"}) and the {@code node_id} and {@code istio.*} tags of its spans.
 * Unknown values are {@code "unknown"}, as Istio's stats filter reports them.
 *
 * @param nodeId the xDS node id ({@code proxyless~10.0.0.1~productpage-v1.default~default.svc.cluster.local})
 * @param workload the workload name ({@code WORKLOAD_NAME}, e.g. {@code productpage-v1})
 * @param namespace the Kubernetes namespace
 * @param app the {@code app} label (or {@code app.kubernetes.io/name})
 * @param version the {@code version} label (or {@code app.kubernetes.io/version})
 * @param cluster the Istio cluster id ({@code CLUSTER_ID}; Istio's default is {@code Kubernetes})
 * @param meshId the mesh id ({@code MESH_ID}; Istio's default is the trust domain, {@code cluster.local})
 * @param canonicalService {@code service.istio.io/canonical-name}, else the app, else the workload
 * @param canonicalRevision {@code service.istio.io/canonical-revision}, else the version, else {@code latest}
 */
public record LocalWorkload(String nodeId, String workload, String namespace, String app, String version,
    String cluster, String meshId, String canonicalService, String canonicalRevision) {

  /** Istio's value for a label it cannot fill. */
  public static final String UNKNOWN = "unknown";

  /**
   * The workload as Istio's node metadata describes it.
   *
   * @param nodeId the node id, or {@code null}
   * @param workload the workload name
   * @param namespace the namespace
   * @param labels the pod's labels ({@code LABELS})
   * @param clusterId {@code CLUSTER_ID}, or {@code null}
   * @param meshId {@code MESH_ID}, or {@code null}
   * @return the workload, {@code unknown} for what is missing
   */
  public static LocalWorkload of(String nodeId, String workload, String namespace, Map<String, String> labels,
      String clusterId, String meshId) {
    String app = first(labels, "app", "app.kubernetes.io/name");
    String version = first(labels, "version", "app.kubernetes.io/version");
    String canonical = first(labels, "service.istio.io/canonical-name");
    String revision = first(labels, "service.istio.io/canonical-revision");
    return new LocalWorkload(orUnknown(nodeId), orUnknown(workload), orUnknown(namespace), orUnknown(app),
        orUnknown(version), clusterId == null || clusterId.isEmpty() ? "Kubernetes" : clusterId,
        meshId == null || meshId.isEmpty() ? "cluster.local" : meshId,
        canonical != null ? canonical : app != null ? app : orUnknown(workload),
        revision != null ? revision : version != null ? version : "latest");
  }

  private static String first(Map<String, String> labels, String... keys) {
    for (String k : keys) {
      String v = labels.get(k);
      if (v != null && !v.isEmpty()) {
        return v;
      }
    }
    return null;
  }

  static String orUnknown(String s) {
    return s == null || s.isEmpty() ? UNKNOWN : s;
  }
}
