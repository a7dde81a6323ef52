package io.bowline.runtime.upstream;

import io.bowline.api.config.Endpoint;
import io.bowline.runtime.upstream.lb.ClusterLoadBalancing;
import io.bowline.runtime.upstream.lb.UpstreamHost;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Envoy's {@code PrioritySet} for one cluster of one mesh client: the cluster's hosts with their
 * {@link HostHealth}, kept across config updates. A host's health is its EDS {@code health_status}
 * plus the flags set here by outlier detection (and later active health checks), which are kept
 * by {@code address:port} so they survive an EDS update that keeps the host.
 *
 * <p>Every change (a new endpoint assignment {@linkplain #attach attached}, a flag set or cleared)
 * recomputes the cluster's priority load, degraded hosts, panic and locality weights from the
 * hosts' health and publishes them on its {@link ClusterLoadBalancing} with one volatile write;
 * changes are serialized here and are rare, the data path only reads what was published. An
 * unhealthy host leaves load balancing unless its priority is in panic.
 */
public final class PrioritySet {
  /** Flags not from EDS, by {@code address:port}; only hosts with at least one flag. Guarded by {@code this}. */
  private final Map<String, HostHealth> flags = new HashMap<>();
  /** The load balancing of the cluster's current endpoint assignment. Guarded by {@code this}. */
  private ClusterLoadBalancing current;
  /** Hosts with a flag set here: read without a lock by the data path. */
  private volatile int flagged;

  /**
   * Makes {@code balancing} (a new build of the cluster's endpoints) the one this set publishes
   * to, and publishes the flags it keeps onto it. No-op if it already is.
   */
  public synchronized void attach(ClusterLoadBalancing balancing) {
    if (balancing == current) {
      return;
    }
    current = balancing;
    if (!flags.isEmpty()) {
      publish();
    }
  }

  /**
   * Sets or clears {@code flag} on the host {@code hostPort}; on a change, recomputes and
   * publishes the cluster's load balancing.
   *
   * @param hostPort the host's {@code address:port} ({@link Endpoint#hostPort()})
   * @param flag a flag not from EDS ({@link HealthFlag#FAILED_OUTLIER_CHECK},
   *     {@link HealthFlag#FAILED_ACTIVE_HC}, {@link HealthFlag#DEGRADED_ACTIVE_HC})
   * @return whether the host's health changed
   * @throws IllegalArgumentException for an EDS flag (EDS sets those through the assignment)
   */
  public synchronized boolean set(String hostPort, HealthFlag flag, boolean on) {
    if (flag == HealthFlag.FAILED_EDS_HEALTH || flag == HealthFlag.DEGRADED_EDS_HEALTH) {
      throw new IllegalArgumentException(flag + " comes from the endpoint assignment, not from " + hostPort);
    }
    HostHealth before = flags.getOrDefault(hostPort, HostHealth.HEALTHY);
    HostHealth after = before.with(flag, on);
    if (after == before) {
      return false;
    }
    if (after.flags() == 0) {
      flags.remove(hostPort);
    } else {
      flags.put(hostPort, after);
    }
    flagged = flags.size();
    publish();
    return true;
  }

  /** Clears {@code flag} on every host (e.g. outlier detection was removed from the cluster). */
  public synchronized void clear(HealthFlag flag) {
    boolean changed = false;
    for (var it = flags.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      HostHealth after = e.getValue().with(flag, false);
      if (after != e.getValue()) {
        changed = true;
        if (after.flags() == 0) {
          it.remove();
        } else {
          e.setValue(after);
        }
      }
    }
    if (changed) {
      flagged = flags.size();
      publish();
    }
  }

  /** Whether any host has a flag set here (outlier-ejected, failed an active check): one volatile read. */
  public boolean anyFlagged() {
    return flagged > 0;
  }

  /** The health of {@code host}: its EDS status and the flags set here. */
  public synchronized HostHealth health(UpstreamHost host) {
    return healthOf(host);
  }

  private HostHealth healthOf(UpstreamHost host) {
    HostHealth eds = HostHealth.fromEds(host.endpoint().health());
    HostHealth set = flags.get(host.endpoint().hostPort());
    return set == null ? eds : eds.union(set);
  }

  /** The host sets by priority as last published; empty before the first {@link #attach}. */
  public synchronized List<HostSet> hostSets() {
    List<HostSet> out = new ArrayList<>();
    if (current == null) {
      return out;
    }
    for (UpstreamHost h : current.hosts()) {
      while (out.size() <= h.priority()) {
        out.add(null);
      }
    }
    List<List<UpstreamHost>> all = new ArrayList<>();
    List<List<UpstreamHost>> healthy = new ArrayList<>();
    List<List<UpstreamHost>> degraded = new ArrayList<>();
    for (int p = 0; p < out.size(); p++) {
      all.add(new ArrayList<>());
      healthy.add(new ArrayList<>());
      degraded.add(new ArrayList<>());
    }
    for (UpstreamHost h : current.hosts()) {
      all.get(h.priority()).add(h);
      Endpoint.HealthStatus coarse = healthOf(h).coarse();
      if (coarse == Endpoint.HealthStatus.HEALTHY) {
        healthy.get(h.priority()).add(h);
      } else if (coarse == Endpoint.HealthStatus.DEGRADED) {
        degraded.get(h.priority()).add(h);
      }
    }
    for (int p = 0; p < out.size(); p++) {
      out.set(p, new HostSet(p, all.get(p), healthy.get(p), degraded.get(p)));
    }
    return out;
  }

  private void publish() {
    if (current == null) {
      return;
    }
    List<UpstreamHost> hosts = current.hosts();
    Endpoint.HealthStatus[] health = new Endpoint.HealthStatus[hosts.size()];
    for (int i = 0; i < health.length; i++) {
      health[i] = healthOf(hosts.get(i)).coarse();
    }
    current.publish(health);
  }
}
