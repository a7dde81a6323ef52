package io.bowline.runtime.upstream;

import io.bowline.runtime.common.IdentityCache;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The cluster manager's live state for one mesh client: each cluster's {@link ClusterResilience}
 * (circuit breakers, outlier detector, priority set), by cluster name, surviving config updates.
 * Compiled retry and fault policies live in each snapshot's route chains
 * ({@code pipeline.RouteChain}); request shadowing's executor in {@code filter.mirror.Mirroring}.
 * One per {@code MeshClient}; shared by all its adapters.
 */
public final class Resilience {
  private final ConcurrentHashMap<String, ClusterResilience> clusters = new ConcurrentHashMap<>();
  /** Snapshot entry → its cluster's state, already refreshed to that entry: one identity probe per call. */
  private final IdentityCache<ClusterEntry, ClusterResilience> byEntry = new IdentityCache<>(256);
  private final Function<ClusterEntry, ClusterResilience> lookup = this::lookup; // made once, not per call

  /** The live state of {@code entry}'s cluster, refreshed to its current config. */
  public ClusterResilience cluster(ClusterEntry entry) {
    return byEntry.get(entry, lookup);
  }

  private ClusterResilience lookup(ClusterEntry entry) {
    String name = entry.cluster().name();
    ClusterResilience c = clusters.get(name);
    if (c == null) {
      c = clusters.computeIfAbsent(name, n -> new ClusterResilience());
    }
    return c.refresh(entry);
  }

  /** The state of a cluster by name, or {@code null} if no call has used it yet. */
  public ClusterResilience cluster(String name) {
    return clusters.get(name);
  }

  /**
   * Brings the state up to date with a new snapshot's clusters at once, as Envoy does when a cluster
   * is warmed: the active health checks of a cluster start on its hosts when it arrives, before any
   * call picks one (they first probe at {@code no_traffic_interval}); a cluster gone from the
   * snapshot stops its checks (a later cluster of the same name starts them again).
   *
   * @param current the snapshot's clusters by name
   */
  public void warm(Map<String, ClusterEntry> current) {
    for (ClusterEntry e : current.values()) {
      if (!e.cluster().resilience().healthChecks().isEmpty() || clusters.containsKey(e.cluster().name())) {
        cluster(e);
      }
    }
    clusters.forEach((name, c) -> {
      if (!current.containsKey(name)) {
        c.close();
      }
    });
  }

  /** Stops the clusters' active health check watches: the client is closing. */
  public void close() {
    clusters.values().forEach(ClusterResilience::close);
  }
}
