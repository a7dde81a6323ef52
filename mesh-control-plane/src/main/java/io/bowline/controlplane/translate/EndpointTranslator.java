package io.bowline.controlplane.translate;

import com.google.protobuf.UInt32Value;
import io.bowline.controlplane.istio.ServicePort;
import io.bowline.controlplane.istio.WorkloadEndpoint;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the {@code ClusterLoadAssignment} of one cluster: endpoints grouped by locality, all at priority 0,
 * HEALTHY, each weighted by its Istio {@code weight} (1 when unset); each locality is weighted by the sum of
 * its endpoints' weights, as istiod does (gRPC clients ignore localities without a weight).
 */
final class EndpointTranslator {

  /** The endpoint metadata filter Envoy matches {@code transport_socket_matches} against. */
  static final String TRANSPORT_SOCKET_MATCH = "envoy.transport_socket_match";
  static final String TLS_MODE = "tlsMode";
  static final String ISTIO = "istio";

  private EndpointTranslator() {}

  /**
   * @param clusterName the cluster (and EDS resource) name
   * @param port the service port; an endpoint listens on {@code ports[port.name]}, else the port's
   *     {@code targetPort}, else its number
   * @param endpoints the endpoints of the cluster (already filtered by subset labels)
   */
  static ClusterLoadAssignment loadAssignment(String clusterName, ServicePort port, List<WorkloadEndpoint> endpoints) {
    Map<String, LocalityLbEndpoints.Builder> byLocality = new LinkedHashMap<>();
    for (WorkloadEndpoint endpoint : endpoints) {
      int weight = endpoint.weight() > 0 ? endpoint.weight() : 1;
      LocalityLbEndpoints.Builder group = byLocality.computeIfAbsent(endpoint.locality(),
          locality -> LocalityLbEndpoints.newBuilder().setLocality(locality(locality)).setPriority(0));
      LbEndpoint.Builder lbEndpoint = LbEndpoint.newBuilder();
      if (meshCertificate(endpoint)) {
        lbEndpoint.setMetadata(metadata());
      }
      group.addLbEndpoints(lbEndpoint
          .setEndpoint(Endpoint.newBuilder().setAddress(Address.newBuilder().setSocketAddress(
              SocketAddress.newBuilder()
                  .setProtocol(SocketAddress.Protocol.TCP)
                  .setAddress(endpoint.address())
                  .setPortValue(endpointPort(endpoint, port)))))
          .setHealthStatus(HealthStatus.HEALTHY)
          .setLoadBalancingWeight(UInt32Value.of(weight)));
      group.setLoadBalancingWeight(UInt32Value.of(group.getLoadBalancingWeight().getValue() + weight));
    }
    ClusterLoadAssignment.Builder assignment = ClusterLoadAssignment.newBuilder().setClusterName(clusterName);
    byLocality.values().forEach(assignment::addEndpoints);
    return assignment.build();
  }

  /**
   * istiod's endpoint metadata for auto-mTLS: {@code envoy.transport_socket_match} {@code tlsMode: istio} for an
   * endpoint labelled {@code security.istio.io/tlsMode: istio} (a workload with the mesh's certificate).
   */
  static io.envoyproxy.envoy.config.core.v3.Metadata metadata() {
    return io.envoyproxy.envoy.config.core.v3.Metadata.newBuilder().putFilterMetadata(TRANSPORT_SOCKET_MATCH,
        com.google.protobuf.Struct.newBuilder().putFields(TLS_MODE,
            com.google.protobuf.Value.newBuilder().setStringValue(ISTIO).build()).build()).build();
  }

  /** Whether {@code endpoint} is labelled {@code security.istio.io/tlsMode: istio}. */
  static boolean meshCertificate(WorkloadEndpoint endpoint) {
    return ISTIO.equals(endpoint.labels().get(InboundListenerTranslator.TLS_MODE_LABEL));
  }

  static int endpointPort(WorkloadEndpoint endpoint, ServicePort port) {
    Integer named = endpoint.ports().get(port.name());
    if (named != null) {
      return named;
    }
    return port.targetPort() > 0 ? port.targetPort() : port.number();
  }

  /** Istio's {@code "region/zone/subzone"} locality string as an Envoy {@code core.v3.Locality}. */
  static Locality locality(String locality) {
    String[] parts = locality.split("/", 3);
    Locality.Builder builder = Locality.newBuilder();
    if (parts.length > 0) {
      builder.setRegion(parts[0]);
    }
    if (parts.length > 1) {
      builder.setZone(parts[1]);
    }
    if (parts.length > 2) {
      builder.setSubZone(parts[2]);
    }
    return builder.build();
  }
}
