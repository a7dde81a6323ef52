package io.bowline.runtime.upstream;

import io.bowline.runtime.filter.mirror.MirrorExecutor;
import io.bowline.runtime.filter.mirror.MirrorMetrics;
import io.bowline.runtime.upstream.ClusterEntry;
import io.bowline.runtime.common.IdentityCache;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The resilience state of one mesh client: per-cluster circuit breakers and outlier detectors
 * (by cluster name, surviving config updates) and the mirror executor. Compiled retry and fault
 * policies live in each snapshot's route chains ({@code pipeline.RouteChain}). One per {@code MeshClient}; shared by all its adapters.
 */
public final class Resilience implements AutoCloseable {
  private final ConcurrentHashMap<String, ClusterResilience> clusters = new ConcurrentHashMap<>();
  /** Snapshot entry → its cluster's state, already refreshed to that entry: one identity probe per call. */
  private final IdentityCache<ClusterEntry, ClusterResilience> byEntry = new IdentityCache<>(256);
  private final MirrorMetrics mirrorMetrics = new MirrorMetrics();
  private volatile MirrorExecutor mirrors;
  /**
   * Diagnostics switch: {@code -Dbowline.mirror.connectBackoff=false} (read when a mesh client is
   * built) turns the {@link io.bowline.runtime.filter.mirror.ShadowConnectBackoff} off, so
   * every shadow to an unreachable mirror endpoint tries to connect (Envoy's behaviour).
   */
  private final boolean shadowConnectBackoff = !"false".equals(System.getProperty("bowline.mirror.connectBackoff"));

  /** The live state of {@code entry}'s cluster, refreshed to its current config. */
  public ClusterResilience cluster(ClusterEntry entry) {
    return byEntry.get(entry, this::lookup);
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
   * The mirror executor ({@value MirrorExecutor#MAX_IN_FLIGHT} threads, 1024 queued shadows),
   * created on first use.
   */
  public MirrorExecutor mirrors() {
    MirrorExecutor m = mirrors;
    if (m == null) {
      synchronized (this) {
        if (mirrors == null) {
          mirrors = new MirrorExecutor(MirrorExecutor.MAX_IN_FLIGHT, 1024, mirrorMetrics, shadowConnectBackoff);
        }
        m = mirrors;
      }
    }
    return m;
  }

  /**
   * Registers this client's resilience meters ({@link MirrorMetrics}: {@code bowline.mirror.*})
   * in {@code registry}; the global registry until called.
   */
  public void bindMetrics(MeterRegistry registry) {
    mirrorMetrics.bind(registry);
  }

  @Override
  public void close() {
    MirrorExecutor m = mirrors;
    if (m != null) {
      m.close();
    }
  }
}
