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
  static final String CANONICAL_NAME = "service.istio.io/canonical-name";
  static final String CANONICAL_REVISION = "service.istio.io/canonical-revision";
  /** istiod's cluster id for a single-cluster mesh ({@code CLUSTER_ID}). */
  static final String CLUSTER_ID = "Kubernetes";

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
      if (!endpoint.workload().name().isEmpty()) {
        lbEndpoint.getMetadataBuilder().putFilterMetadata(ISTIO, workloadMetadata(endpoint));
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

  /**
   * istiod's endpoint metadata filter {@code istio}: {@code workload} as
   * {@code <name>;<namespace>;<canonical service>;<canonical revision>;<cluster id>} (canonical service: the label
   * {@code service.istio.io/canonical-name}, else {@code app}, else the workload name; revision:
   * {@code service.istio.io/canonical-revision}, else {@code version}, else {@code latest}), plus, for Bowline's
   * destination labels, the workload's {@code app} and {@code version} labels and its SPIFFE {@code principal}
   * (when it has a service account). Proxyless gRPC reads none of these and ignores them.
   */
  static com.google.protobuf.Struct workloadMetadata(WorkloadEndpoint endpoint) {
    WorkloadEndpoint.Workload w = endpoint.workload();
    Map<String, String> labels = endpoint.labels();
    String canonical = labels.getOrDefault(CANONICAL_NAME, labels.getOrDefault("app", w.name()));
    String revision = labels.getOrDefault(CANONICAL_REVISION, labels.getOrDefault("version", "latest"));
    com.google.protobuf.Struct.Builder s = com.google.protobuf.Struct.newBuilder()
        .putFields("workload", string(String.join(";", w.name(), w.namespace(), canonical, revision, CLUSTER_ID)));
    if (labels.containsKey("app")) {
      s.putFields("app", string(labels.get("app")));
    }
    if (labels.containsKey("version")) {
      s.putFields("version", string(labels.get("version")));
    }
    if (!w.serviceAccount().isEmpty()) {
      s.putFields("principal", string("spiffe://" + ClusterTlsTranslator.TRUST_DOMAIN + "/ns/" + w.namespace()
          + "/sa/" + w.serviceAccount()));
    }
    return s.build();
  }

  /**
   * istiod's cluster metadata filter {@code istio}: {@code services} ({@code host}, {@code name}: a Kubernetes
   * Service's name or else the host, {@code namespace}), {@code default_original_port} and, for a subset cluster,
   * {@code subset}.
   */
  static io.envoyproxy.envoy.config.cluster.v3.Cluster withServiceMetadata(
      io.envoyproxy.envoy.config.cluster.v3.Cluster cluster, MeshService service, ServicePort port, String subset) {
    String name = service.source().kind().equals("Service") ? service.source().name() : service.host();
    com.google.protobuf.Struct serviceEntry = com.google.protobuf.Struct.newBuilder()
        .putFields("host", string(service.host()))
        .putFields("name", string(name))
        .putFields("namespace", string(service.source().namespace())).build();
    com.google.protobuf.Struct.Builder istio = com.google.protobuf.Struct.newBuilder()
        .putFields("services", com.google.protobuf.Value.newBuilder().setListValue(
            com.google.protobuf.ListValue.newBuilder().addValues(com.google.protobuf.Value.newBuilder()
                .setStructValue(serviceEntry))).build())
        .putFields("default_original_port", com.google.protobuf.Value.newBuilder().setNumberValue(port.number()).build());
    if (!subset.isEmpty()) {
      istio.putFields("subset", string(subset));
    }
    io.envoyproxy.envoy.config.cluster.v3.Cluster.Builder b = cluster.toBuilder();
    b.getMetadataBuilder().putFilterMetadata(ISTIO, istio.build());
    return b.build();
  }

  private static com.google.protobuf.Value string(String value) {
    return com.google.protobuf.Value.newBuilder().setStringValue(value).build();
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
