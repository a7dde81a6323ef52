package io.bowline.runtime.xds;

import io.bowline.api.config.Cluster;
import io.bowline.api.config.ClusterLoadAssignment;
import io.bowline.api.config.InboundListener;
import io.bowline.api.config.Listener;
import io.bowline.api.config.RouteConfiguration;
import io.bowline.api.config.Secret;
import io.bowline.api.config.SocketListener;
import java.util.Map;

/**
 * Every resource the xDS client currently accepts, by name. Immutable.
 *
 * @param listeners LDS, by listener name (only api listeners)
 * @param routes RDS, by route configuration name
 * @param clusters CDS, by cluster name
 * @param endpoints EDS, by cluster (service) name
 * @param secrets SDS, by secret name (those the clusters' transport sockets and the socket listeners'
 *     TLS contexts name)
 * @param socketListeners LDS socket listeners, by name (a gateway's; empty for other clients)
 * @param complete whether the first fetch finished: LDS and CDS answered, and every route
 *     configuration and assignment they name arrived or was declared does-not-exist
 * @param inboundListeners LDS server listeners (gRFC A36), by listener name
 */
public record XdsResources(
    Map<String, Listener> listeners,
    Map<String, RouteConfiguration> routes,
    Map<String, Cluster> clusters,
    Map<String, ClusterLoadAssignment> endpoints,
    Map<String, Secret> secrets,
    Map<String, SocketListener> socketListeners,
    boolean complete,
    Map<String, InboundListener> inboundListeners) {
  /** Resources without socket or server listeners. */
  public XdsResources(Map<String, Listener> listeners, Map<String, RouteConfiguration> routes,
      Map<String, Cluster> clusters, Map<String, ClusterLoadAssignment> endpoints, Map<String, Secret> secrets,
      boolean complete) {
    this(listeners, routes, clusters, endpoints, secrets, Map.of(), complete, Map.of());
  }

  /** Resources without server listeners (a gateway's). */
  public XdsResources(Map<String, Listener> listeners, Map<String, RouteConfiguration> routes,
      Map<String, Cluster> clusters, Map<String, ClusterLoadAssignment> endpoints, Map<String, Secret> secrets,
      Map<String, SocketListener> socketListeners, boolean complete) {
    this(listeners, routes, clusters, endpoints, secrets, socketListeners, complete, Map.of());
  }

  /** Resources without socket listeners (any client but a gateway). */
  public XdsResources(Map<String, Listener> listeners, Map<String, RouteConfiguration> routes,
      Map<String, Cluster> clusters, Map<String, ClusterLoadAssignment> endpoints, Map<String, Secret> secrets,
      boolean complete, Map<String, InboundListener> inboundListeners) {
    this(listeners, routes, clusters, endpoints, secrets, Map.of(), complete, inboundListeners);
  }

  /** Resources without secrets. */
  public XdsResources(Map<String, Listener> listeners, Map<String, RouteConfiguration> routes,
      Map<String, Cluster> clusters, Map<String, ClusterLoadAssignment> endpoints, boolean complete) {
    this(listeners, routes, clusters, endpoints, Map.of(), complete);
  }

  public XdsResources {
    listeners = Map.copyOf(listeners);
    routes = Map.copyOf(routes);
    clusters = Map.copyOf(clusters);
    endpoints = Map.copyOf(endpoints);
    secrets = Map.copyOf(secrets);
    socketListeners = Map.copyOf(socketListeners);
    inboundListeners = Map.copyOf(inboundListeners);
  }
}
