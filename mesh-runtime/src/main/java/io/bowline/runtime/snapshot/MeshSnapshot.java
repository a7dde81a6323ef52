package io.bowline.runtime.snapshot;

import io.bowline.api.config.Listener;
import io.bowline.api.config.Secret;
import io.bowline.runtime.upstream.ClusterEntry;
import io.bowline.api.config.SocketListener;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
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

  private final List<SocketListener> gatewayListeners;
  private final Map<String, Secret> secrets;

  /** By host, then port: the data path looks up without building a {@code host:port} string. */
  private final Map<String, ListenerPorts> listenersByHost;
  private final Map<String, ClusterEntry> clusters;
  private final boolean complete;

  MeshSnapshot(
      Map<String, OutboundListener> listenersByAuthority,
      Map<String, ClusterEntry> clusters,
      boolean complete) {
    this(listenersByAuthority, clusters, complete, List.of(), Map.of());
  }

  MeshSnapshot(
      Map<String, OutboundListener> listenersByAuthority,
      Map<String, ClusterEntry> clusters,
      boolean complete,
      List<SocketListener> gatewayListeners,
      Map<String, Secret> secrets) {
    this.listenersByHost = byHost(listenersByAuthority);
    this.clusters = Map.copyOf(clusters);
    this.complete = complete;
    this.gatewayListeners = List.copyOf(gatewayListeners);
    this.secrets = Map.copyOf(secrets);
  }

  /**
   * A gateway's socket listeners (Envoy listeners with an address and filter chains, as istiod's gateway
   * generator names them: {@code 0.0.0.0_8080}), sorted by name; for any other client, its outbound TCP listeners
   * (istiod's sidecar {@code 0.0.0.0_<port>} whose chains are {@code tcp_proxy} only), which the proxy serves and
   * the library's adapters ignore. The route configuration of a listener's HTTP filter chain is routed against as the listener
   * {@link #gatewayRouteKey(Listener, int)}: {@code listener(routeConfigName, port)} (the chain's
   * {@link OutboundListener}, named after the socket listener; {@code null} before RDS delivered it).
   */
  public List<SocketListener> gatewayListeners() {
    return gatewayListeners;
  }

  /** The socket listener bound to {@code port}, or {@code null}. */
  public SocketListener gatewayListener(int port) {
    for (SocketListener l : gatewayListeners) {
      if (l.port() == port) {
        return l;
      }
    }
    return null;
  }

  /**
   * The {@code host:port} under which a gateway's HTTP filter chain is a listener of this snapshot: its RDS
   * route configuration name (or {@code inline.<listener name>}) and the socket listener's port.
   *
   * @param http the filter chain's HTTP connection manager
   * @param port the socket listener's port
   */
  public static String gatewayRouteKey(Listener http, int port) {
    return gatewayRouteHost(http) + ":" + port;
  }

  /** The host part of {@link #gatewayRouteKey(Listener, int)}. */
  public static String gatewayRouteHost(Listener http) {
    return http.routeConfigName() != null ? http.routeConfigName() : "inline." + http.name();
  }

  /**
   * An SDS secret by name (those the socket listeners' TLS contexts and the clusters name), or {@code null}
   * while it has not arrived. Holds key material: never log it.
   */
  public Secret secret(String name) {
    return secrets.get(name);
  }

  /** The listener for an outbound {@code host:port}, or {@code null} if the mesh does not know it. */
  public OutboundListener listener(String host, int port) {
    ListenerPorts ports = listenersByHost.get(host);
    return ports == null ? null : ports.get(port);
  }

  private static Map<String, ListenerPorts> byHost(Map<String, OutboundListener> byAuthority) {
    Map<String, List<Map.Entry<Integer, OutboundListener>>> grouped = new HashMap<>();
    byAuthority.forEach((authority, listener) -> {
      int colon = authority.lastIndexOf(':');
      if (colon > 0) {
        try {
          int port = Integer.parseInt(authority.substring(colon + 1));
          grouped.computeIfAbsent(authority.substring(0, colon), h -> new ArrayList<>()).add(Map.entry(port, listener));
        } catch (NumberFormatException notAPort) {
          // no call names such an authority: listener(host, port) always has a numeric port
        }
      }
    });
    Map<String, ListenerPorts> out = new HashMap<>();
    grouped.forEach((host, entries) -> out.put(host, new ListenerPorts(entries)));
    return Map.copyOf(out);
  }

  /** The listeners of one host, by port (a host has a few ports at most: a linear scan). */
  private static final class ListenerPorts {
    private final int[] ports;
    private final OutboundListener[] listeners;

    ListenerPorts(List<Map.Entry<Integer, OutboundListener>> entries) {
      ports = new int[entries.size()];
      listeners = new OutboundListener[entries.size()];
      for (int i = 0; i < ports.length; i++) {
        ports[i] = entries.get(i).getKey();
        listeners[i] = entries.get(i).getValue();
      }
    }

    OutboundListener get(int port) {
      for (int i = 0; i < ports.length; i++) {
        if (ports[i] == port) {
          return listeners[i];
        }
      }
      return null;
    }
  }

  /** A cluster by name, or {@code null} (Envoy: 503 {@code NC}). */
  public ClusterEntry cluster(String name) {
    return clusters.get(name);
  }

  /** Whether the first complete configuration had arrived when this snapshot was compiled. */
  public boolean complete() {
    return complete;
  }

  /** Every cluster by name, immutable (admin views; the data path asks by name). */
  public Map<String, ClusterEntry> clusters() {
    return clusters;
  }

  /** Number of clusters. */
  public int clusterCount() {
    return clusters.size();
  }
}
