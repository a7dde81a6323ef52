package io.bowline.runtime.dns;

import io.bowline.api.config.Cluster;
import io.bowline.api.config.ClusterLoadAssignment;
import io.bowline.api.config.Endpoint;
import io.bowline.api.config.LocalityEndpoints;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves the hosts of LOGICAL_DNS and STRICT_DNS clusters every {@code dns_refresh_rate} (Envoy
 * default 5000 ms) on one dedicated daemon thread, and turns the answers into a
 * {@link ClusterLoadAssignment} per cluster: for STRICT_DNS every address of every host becomes an
 * endpoint (keeping the host's port, weight, health, locality and priority, and named by the host's
 * {@code hostname} or else the DNS name, for {@code auto_host_rewrite}); for LOGICAL_DNS only the
 * first address of its single host. A host whose resolution fails keeps its last good addresses
 * (none if it never resolved). When an assignment changes, or a cluster's first resolution attempt
 * finishes, {@code onChange} is called on the resolver thread; the owner recompiles its snapshot
 * serialized with config updates. {@code dns_lookup_family} is not honoured: all families the
 * system resolver returns are used.
 */
public final class DnsClusterResolver implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DnsClusterResolver.class);
  private static final Sink LOG_WARN = log::warn;
  private static final Sink LOG_DEBUG = log::debug;

  private interface Sink {
    void log(String format, Object... args);
  }

  private final HostResolver resolver;
  private final Runnable onChange;
  private final ScheduledThreadPoolExecutor thread;
  private final Map<String, Target> targets = new HashMap<>();
  private final Map<String, ClusterLoadAssignment> resolved = new ConcurrentHashMap<>();

  /**
   * @param resolver resolves one host name
   * @param onChange called on the resolver thread after an assignment changed or a first attempt ended
   */
  public DnsClusterResolver(HostResolver resolver, Runnable onChange) {
    this.resolver = resolver;
    this.onChange = onChange;
    this.thread = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "bowline-dns");
      t.setDaemon(true);
      return t;
    });
    thread.setRemoveOnCancelPolicy(true);
    thread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
  }

  /**
   * Follows the DNS clusters among {@code clusters}: starts resolving new or changed ones at once,
   * stops and forgets removed ones. Call whenever the accepted clusters change.
   */
  public synchronized void update(Map<String, Cluster> clusters) {
    for (var it = targets.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      Cluster now = clusters.get(e.getKey());
      if (now == null || !now.equals(e.getValue().cluster)) {
        e.getValue().task.cancel(false);
        it.remove();
        if (now == null || !now.type().isDns()) {
          resolved.remove(e.getKey());
        }
      }
    }
    for (Cluster c : clusters.values()) {
      if (c.type().isDns() && !targets.containsKey(c.name())) {
        Target t = new Target(c);
        targets.put(c.name(), t);
        long period = c.optionsOrNone().dnsRefreshRateMs();
        t.task = thread.scheduleWithFixedDelay(() -> refresh(t), 0, period, TimeUnit.MILLISECONDS);
      }
    }
  }

  /**
   * Whether every followed cluster finished its first resolution attempt. Once true, an
   * {@link #assignments()} read after it holds every followed cluster.
   */
  public synchronized boolean settled() {
    return targets.values().stream().allMatch(t -> t.attempted);
  }

  /** The current assignments of DNS clusters, by cluster name. */
  public Map<String, ClusterLoadAssignment> assignments() {
    return Map.copyOf(resolved);
  }

  private void refresh(Target t) {
    boolean first = !t.attempted;
    ClusterLoadAssignment cla = resolve(t);
    ClusterLoadAssignment prev;
    synchronized (this) {
      if (targets.get(t.cluster.name()) != t) {
        return;
      }
      // the assignment before the flag: whoever sees the cluster settled also sees its hosts
      prev = resolved.put(t.cluster.name(), cla);
      t.attempted = true;
    }
    if (first || !cla.equals(prev)) {
      try {
        onChange.run();
      } catch (RuntimeException e) {
        log.error("DNS update listener failed", e);
      }
    }
  }

  private ClusterLoadAssignment resolve(Target t) {
    Cluster c = t.cluster;
    ClusterLoadAssignment spec = c.loadAssignment();
    List<LocalityEndpoints> localities = new ArrayList<>();
    for (LocalityEndpoints l : spec.localities()) {
      List<Endpoint> endpoints = new ArrayList<>();
      for (Endpoint host : l.endpoints()) {
        List<InetAddress> addresses = lookup(t, host.address());
        if (c.type() == Cluster.DiscoveryType.LOGICAL_DNS && !addresses.isEmpty()) {
          addresses = addresses.subList(0, 1);
        }
        // Envoy: the resolved hosts are named by the endpoint's hostname, else by the DNS name itself
        String hostname = host.hostname().isEmpty() ? host.address() : host.hostname();
        for (InetAddress a : addresses) {
          endpoints.add(new Endpoint(a.getHostAddress(), host.port(), host.weight(), host.health(), hostname, host.hashKey(),
              host.transportSocketMatch(), host.workload()));
        }
      }
      localities.add(new LocalityEndpoints(l.locality(), l.priority(), l.weight(), endpoints));
    }
    return new ClusterLoadAssignment(c.name(), localities, spec.overprovisioningFactor());
  }

  private List<InetAddress> lookup(Target t, String host) {
    try {
      List<InetAddress> found = resolver.resolve(host);
      if (!found.isEmpty()) {
        t.lastGood.put(host, List.copyOf(found));
        t.failing.remove(host);
      }
    } catch (UnknownHostException | RuntimeException e) {
      // warn once per failure streak of a host, not at every refresh
      (t.failing.add(host) ? LOG_WARN : LOG_DEBUG).log("cluster '{}': cannot resolve {} ({}); keeping its last good addresses {}",
          t.cluster.name(), host, e.toString(), t.lastGood.getOrDefault(host, List.of()));
    }
    return t.lastGood.getOrDefault(host, List.of());
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }

  /** One DNS cluster being followed; its fields are touched by the resolver thread only. */
  private static final class Target {
    final Cluster cluster;
    final Map<String, List<InetAddress>> lastGood = new HashMap<>();
    final java.util.Set<String> failing = new java.util.HashSet<>();
    volatile boolean attempted;
    ScheduledFuture<?> task;

    Target(Cluster cluster) {
      this.cluster = cluster;
    }
  }
}
