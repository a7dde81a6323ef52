package io.bowline.runtime.snapshot;

import java.util.Map;

/**
 * Everything the data path reads, compiled once per config change and published with one
 * volatile write. Immutable apart from the atomic counters inside load balancers.
 *
 * <p>Listeners are indexed by {@code host:port}, including the short names a Kubernetes client
 * would resolve ({@code reviews:9080} in the client's namespace, {@code reviews.default:9080},
 * {@code reviews.default.svc:9080}).
 */
public final class MeshSnapshot {
  /** The snapshot before any configuration arrived. */
  public static final MeshSnapshot EMPTY = new MeshSnapshot(Map.of(), Map.of(), false);

  private final Map<String, OutboundListener> listenersByAuthority;
  private final Map<String, ClusterEntry> clusters;
  private final boolean complete;

  MeshSnapshot(
      Map<String, OutboundListener> listenersByAuthority,
      Map<String, ClusterEntry> clusters,
      boolean complete) {
    this.listenersByAuthority = Map.copyOf(listenersByAuthority);
    this.clusters = Map.copyOf(clusters);
    this.complete = complete;
  }

  /** The listener for an outbound {@code host:port}, or {@code null} if the mesh does not know it. */
  public OutboundListener listener(String host, int port) {
    return listenersByAuthority.get(host + ":" + port);
  }

  /** A cluster by name, or {@code null} (Envoy: 503 {@code NC}). */
  public ClusterEntry cluster(String name) {
    return clusters.get(name);
  }

  /** Whether the first complete configuration had arrived when this snapshot was compiled. */
  public boolean complete() {
    return complete;
  }

  /** Number of clusters. */
  public int clusterCount() {
    return clusters.size();
  }
}
