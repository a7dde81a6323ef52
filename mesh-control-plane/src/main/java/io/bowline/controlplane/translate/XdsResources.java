package io.bowline.controlplane.translate;

import io.bowline.controlplane.Diagnostic;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.util.List;

/**
 * The Envoy xDS v3 resources translated from Istio configuration, named as istiod's {@code grpc} generator
 * names them, plus what translation found.
 *
 * @param listeners LDS: one API listener {@code <host>:<port>} per service port
 * @param routeConfigurations RDS: one {@code outbound|<port>||<host>} per service port
 * @param clusters CDS: {@code outbound|<port>||<host>} and {@code outbound|<port>|<subset>|<host>}, EDS over ADS
 * @param endpoints EDS: one ClusterLoadAssignment per cluster, possibly empty
 * @param diagnostics loading and translation diagnostics; with any error the resources must not be served
 * @param secrets SDS: the TLS credentials of a gateway's servers ({@code kubernetes://<credentialName>} and
 *     {@code kubernetes://<credentialName>-cacert}); always empty for sidecars
 */
public record XdsResources(
    List<Listener> listeners,
    List<RouteConfiguration> routeConfigurations,
    List<Cluster> clusters,
    List<ClusterLoadAssignment> endpoints,
    List<Diagnostic> diagnostics,
    List<Secret> secrets) {

  /** Resources without SDS secrets (every sidecar view). */
  public XdsResources(List<Listener> listeners, List<RouteConfiguration> routeConfigurations, List<Cluster> clusters,
      List<ClusterLoadAssignment> endpoints, List<Diagnostic> diagnostics) {
    this(listeners, routeConfigurations, clusters, endpoints, diagnostics, List.of());
  }

  /** Copies the lists so the record stays immutable. */
  public XdsResources {
    secrets = List.copyOf(secrets);
    listeners = List.copyOf(listeners);
    routeConfigurations = List.copyOf(routeConfigurations);
    clusters = List.copyOf(clusters);
    endpoints = List.copyOf(endpoints);
    diagnostics = List.copyOf(diagnostics);
  }

  /** Whether any diagnostic is an error, in which case these resources must not be served. */
  public boolean hasErrors() {
    return diagnostics.stream().anyMatch(Diagnostic::isError);
  }
}
