package io.bowline.runtime.snapshot;

import io.bowline.api.config.Cluster;
import io.bowline.api.config.ClusterLoadAssignment;
import io.bowline.api.config.Listener;
import io.bowline.api.config.RouteConfiguration;
import io.bowline.runtime.upstream.lb.ClusterLoadBalancing;
import io.bowline.runtime.filter.common.fault.FaultDefaults;
import io.bowline.runtime.filter.common.RoutePolicyEdits;
import io.bowline.runtime.filter.common.ratelimit.LocalRateLimitDefaults;
import io.bowline.runtime.routing.CompiledRouteConfig;
import io.bowline.runtime.xds.XdsResources;
import io.bowline.api.config.SocketListener;
import io.bowline.runtime.tls.UpstreamTlsHandles;
import io.bowline.runtime.upstream.ClusterEntry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Compiles accepted xDS resources into a {@link MeshSnapshot}. Keeps the previous compilation so
 * that unchanged route configurations are not recompiled and load balancers keep their state
 * (active requests, round-robin position) across updates. The xDS client hands over the same map
 * instance for a type that did not change, so an update of endpoints only does not revisit the
 * listeners, and one of routes only does not revisit the clusters. Confined to the config executor.
 */
public final class SnapshotCompiler {
  private final HostAliases aliases;
  private final UpstreamTlsHandles tls;
  private Map<String, CompiledRouteConfig> compiledRoutes = new HashMap<>();
  private Map<String, RouteConfiguration> sourceRoutes = new HashMap<>();
  private Map<String, ClusterEntry> clusters = Map.of();
  private Map<String, OutboundListener> listenersByAuthority = Map.of();
  /** Each listener's compiled form and the other names it is reached by, from the last compilation. */
  private Map<String, OutboundListener> outboundListeners = new HashMap<>();
  private Map<String, List<String>> listenerAliases = new HashMap<>();
  /** The inputs of the last compilation: a part whose inputs are the same instances is not compiled again. */
  private Map<String, Listener> lastListeners;
  private Map<String, SocketListener> lastSocketListeners;
  private List<SocketListener> gatewayListeners = List.of();
  private Map<String, RouteConfiguration> lastRoutes;
  private Map<String, Cluster> lastClusters;
  private Map<String, ClusterLoadAssignment> lastEndpoints;
  private Map<String, ClusterLoadAssignment> lastDnsAssignments;

  /**
   * @param namespace the client's namespace (short names resolve in it)
   * @param clusterDomain e.g. {@code cluster.local}
   */
  public SnapshotCompiler(String namespace, String clusterDomain) {
    this(namespace, clusterDomain, null);
  }

  /**
   * @param namespace the client's namespace (short names resolve in it)
   * @param clusterDomain e.g. {@code cluster.local}
   * @param tls compiles clusters' TLS contexts; {@code null} when the client has no TLS sources (then a TLS
   *     cluster gets a handle that never becomes ready, and its calls a 503 {@code UF})
   */
  public SnapshotCompiler(String namespace, String clusterDomain, UpstreamTlsHandles tls) {
    this.aliases = new HostAliases(namespace, clusterDomain);
    this.tls = tls != null ? tls : new UpstreamTlsHandles(name -> {
      throw new IllegalStateException("no certificate provider instance '" + name + "'");
    });
  }

  /** Compiles; never throws for resources the xDS client accepted. */
  public MeshSnapshot compile(XdsResources resources) {
    return compile(resources, Map.of());
  }

  /**
   * Compiles with the current assignments of LOGICAL_DNS / STRICT_DNS clusters (by cluster name,
   * from {@link io.bowline.runtime.dns.DnsClusterResolver}; a DNS cluster not in it has no hosts).
   * Aggregate clusters map to one child each, see {@link AggregateClusters}.
   */
  public MeshSnapshot compile(XdsResources resources, Map<String, ClusterLoadAssignment> dnsAssignments) {
    tls.secrets(resources.secrets());
    if (resources.listeners() != lastListeners || resources.routes() != lastRoutes
        || resources.socketListeners() != lastSocketListeners) {
      listenersByAuthority = Map.copyOf(compileListeners(resources));
      lastListeners = resources.listeners();
      lastRoutes = resources.routes();
      lastSocketListeners = resources.socketListeners();
      gatewayListeners = resources.socketListeners().values().stream()
          .sorted(java.util.Comparator.comparing(SocketListener::name)).toList();
    }
    if (resources.clusters() != lastClusters || resources.endpoints() != lastEndpoints
        || !dnsAssignments.equals(lastDnsAssignments)) {
      clusters = Map.copyOf(compileClusters(resources, dnsAssignments));
      lastClusters = resources.clusters();
      lastEndpoints = resources.endpoints();
      lastDnsAssignments = Map.copyOf(dnsAssignments);
    }
    return new MeshSnapshot(listenersByAuthority, clusters, resources.complete(), gatewayListeners,
        resources.secrets());
  }

  private Map<String, OutboundListener> compileListeners(XdsResources resources) {
    Map<String, CompiledRouteConfig> nextRoutes = new HashMap<>();
    Map<String, RouteConfiguration> nextSources = new HashMap<>();
    Map<String, OutboundListener> byAuthority = new HashMap<>();
    Map<String, OutboundListener> aliased = new HashMap<>();
    Map<String, OutboundListener> nextOutbound = new HashMap<>();
    Map<String, List<String>> nextAliases = new HashMap<>();
    for (Listener l : resources.listeners().values()) {
      OutboundListener ol = compileListener(l, l.name(), resources, nextRoutes, nextSources, nextOutbound);
      byAuthority.put(l.name(), ol);
      List<String> names = listenerAliases.get(l.name());
      if (names == null) {
        names = aliases.of(l.name());
      }
      nextAliases.put(l.name(), names);
      for (String alias : names) {
        aliased.putIfAbsent(alias, ol);
      }
    }
    // a gateway's HTTP filter chains: by <route configuration name>:<listener port> (MeshSnapshot#gatewayRoutes)
    for (SocketListener sl : resources.socketListeners().values()) {
      for (SocketListener.FilterChain c : sl.filterChains()) {
        if (c.http() != null) {
          String key = MeshSnapshot.gatewayRouteKey(c.http(), sl.port());
          byAuthority.putIfAbsent(key, compileListener(c.http(), sl.name() + "|" + key, resources, nextRoutes,
              nextSources, nextOutbound));
        }
      }
    }
    aliased.forEach(byAuthority::putIfAbsent);
    compiledRoutes = nextRoutes;
    sourceRoutes = nextSources;
    outboundListeners = nextOutbound;
    listenerAliases = nextAliases;
    return byAuthority;
  }

  /** One HTTP connection manager's compiled route configuration, reused when neither it nor its filters changed. */
  private OutboundListener compileListener(Listener l, String cacheKey, XdsResources resources,
      Map<String, CompiledRouteConfig> nextRoutes, Map<String, RouteConfiguration> nextSources,
      Map<String, OutboundListener> nextOutbound) {
    RouteConfiguration rc = l.inlineRouteConfig() != null
        ? l.inlineRouteConfig()
        : resources.routes().get(l.routeConfigName());
    CompiledRouteConfig compiled = null;
    if (rc != null) {
      String key = l.inlineRouteConfig() != null ? "inline:" + cacheKey : rc.name();
      String rcKey = key;
      // the HCM's fault as the default of this listener's routes; none at all without the filter
      RouteConfiguration withFaults = FaultDefaults.apply(rc, l.httpFault());
      if (withFaults != rc) {
        rc = withFaults;
        key = key + "|fault:" + cacheKey;
      }
      // likewise the local rate limit filter's config; per-route buckets scoped by route config
      RouteConfiguration withLimits = LocalRateLimitDefaults.apply(rc, rcKey, l.httpLocalRateLimit());
      if (withLimits != rc) {
        rc = withLimits;
        key = key + "|local_ratelimit:" + cacheKey;
      }
      // and the global rate limit filter's: without it, routes' rate_limits send nothing
      if (l.httpRateLimit() != null) {
        rc = RoutePolicyEdits.apply(rc, p -> p.withGlobalRateLimit(l.httpRateLimit()));
        key = key + "|ratelimit:" + cacheKey;
      }
      compiled = rc.equals(sourceRoutes.get(key)) ? compiledRoutes.get(key) : new CompiledRouteConfig(rc);
      nextRoutes.put(key, compiled);
      nextSources.put(key, rc);
    }
    OutboundListener previous = outboundListeners.get(cacheKey);
    OutboundListener ol = previous != null && previous.routes() == compiled
        && previous.telemetry().equals(l.telemetry()) && Objects.equals(previous.peerMetadata(), l.peerMetadata())
        ? previous
        : new OutboundListener(l.name(), compiled, l.telemetry(), l.peerMetadata());
    nextOutbound.put(cacheKey, ol);
    return ol;
  }

  private Map<String, ClusterEntry> compileClusters(XdsResources resources,
      Map<String, ClusterLoadAssignment> dnsAssignments) {
    Map<String, ClusterEntry> nextClusters = new HashMap<>();
    for (Cluster c : resources.clusters().values()) {
      if (c.type() == Cluster.DiscoveryType.AGGREGATE) {
        continue;
      }
      ClusterLoadAssignment cla = c.type() == Cluster.DiscoveryType.STATIC
          ? c.loadAssignment()
          : c.type().isDns()
          ? dnsAssignments.getOrDefault(c.name(), new ClusterLoadAssignment(c.name(), List.of(), ClusterLoadAssignment.DEFAULT_OVERPROVISIONING_FACTOR))
          : resources.endpoints().getOrDefault(
              c.edsServiceName(),
              new ClusterLoadAssignment(c.edsServiceName(), List.of(), ClusterLoadAssignment.DEFAULT_OVERPROVISIONING_FACTOR));
      ClusterEntry prev = clusters.get(c.name());
      ClusterEntry entry;
      if (prev != null && prev.cluster().equals(c) && prev.assignment().equals(cla)) {
        entry = prev;
      } else {
        ClusterLoadBalancing lb = ClusterLoadBalancing.build(c.lbPolicy(), c.lbConfig(), cla, prev == null ? null : prev.balancing());
        entry = new ClusterEntry(c, cla, lb, tls.sockets(c.optionsOrNone()));
      }
      nextClusters.put(c.name(), entry);
    }
    AggregateClusters.resolve(resources.clusters(), nextClusters);
    return nextClusters;
  }
}
