package io.bowline.runtime.xds.resource;

import io.bowline.api.config.ClusterLoadAssignment;
import io.bowline.api.config.Endpoint;
import io.bowline.api.config.LocalityEndpoints;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.ArrayList;
import java.util.List;

/** EDS: {@code envoy.config.endpoint.v3.ClusterLoadAssignment} with socket addresses. */
public final class EndpointResourceType
    extends ResourceType<io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment, ClusterLoadAssignment> {

  public EndpointResourceType() {
    super(TypeUrls.CLUSTER_LOAD_ASSIGNMENT, io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment.getDescriptor(), io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment.parser(), false);
  }

  @Override
  public String name(io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment proto) {
    return proto.getClusterName();
  }

  @Override
  public ClusterLoadAssignment parse(io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment proto)
      throws ResourceException {
    return convert(proto);
  }

  static ClusterLoadAssignment convert(io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment cla)
      throws ResourceException {
    List<LocalityEndpoints> localities = new ArrayList<>();
    for (int i = 0; i < cla.getEndpointsCount(); i++) {
      localities.add(locality(cla.getEndpoints(i), "endpoints[" + i + "]"));
    }
    int factor = cla.getPolicy().hasOverprovisioningFactor()
        ? uint32(cla.getPolicy().getOverprovisioningFactor().getValue(), "policy.overprovisioning_factor")
        : ClusterLoadAssignment.DEFAULT_OVERPROVISIONING_FACTOR;
    return new ClusterLoadAssignment(cla.getClusterName(), localities, factor);
  }

  private static LocalityEndpoints locality(LocalityLbEndpoints le, String at) throws ResourceException {
    List<Endpoint> endpoints = new ArrayList<>();
    for (int j = 0; j < le.getLbEndpointsCount(); j++) {
      endpoints.add(endpoint(le.getLbEndpoints(j), at + ".lb_endpoints[" + j + "]"));
    }
    var l = le.getLocality();
    return new LocalityEndpoints(
        new LocalityEndpoints.Locality(l.getRegion(), l.getZone(), l.getSubZone()),
        uint32(le.getPriority(), at + ".priority"),
        le.hasLoadBalancingWeight() ? uint32(le.getLoadBalancingWeight().getValue(), at + ".load_balancing_weight") : 0,
        endpoints);
  }

  /** A proto uint32 that the model holds in an int: values of 2^31 and above are refused. */
  private static int uint32(int value, String field) throws ResourceException {
    if (value < 0) {
      throw new ResourceException(field, "too large: " + Integer.toUnsignedString(value));
    }
    return value;
  }

  private static Endpoint endpoint(LbEndpoint e, String at) throws ResourceException {
    if (!e.hasEndpoint() || !e.getEndpoint().getAddress().hasSocketAddress()) {
      throw new ResourceException(at + ".endpoint.address", "a socket_address is required");
    }
    var sa = e.getEndpoint().getAddress().getSocketAddress();
    if (sa.getPortSpecifierCase() != io.envoyproxy.envoy.config.core.v3.SocketAddress.PortSpecifierCase.PORT_VALUE) {
      throw new ResourceException(at + ".endpoint.address.socket_address.port_value", "required");
    }
    int port = sa.getPortValue();
    if (port < 1 || port > 65535) {
      throw new ResourceException(at + ".endpoint.address.socket_address.port_value", "out of range: " + port);
    }
    if (sa.getAddress().isEmpty()) {
      throw new ResourceException(at + ".endpoint.address.socket_address.address", "must not be empty");
    }
    int weight = e.hasLoadBalancingWeight() ? e.getLoadBalancingWeight().getValue() : 1;
    if (weight < 1) {
      throw new ResourceException(at + ".load_balancing_weight", "must be >= 1");
    }
    Endpoint.HealthStatus health;
    switch (e.getHealthStatus()) {
      case HEALTHY:
        health = Endpoint.HealthStatus.HEALTHY;
        break;
      case UNHEALTHY:
        health = Endpoint.HealthStatus.UNHEALTHY;
        break;
      case DRAINING:
        health = Endpoint.HealthStatus.DRAINING;
        break;
      case TIMEOUT:
        health = Endpoint.HealthStatus.TIMEOUT;
        break;
      case DEGRADED:
        health = Endpoint.HealthStatus.DEGRADED;
        break;
      default:
        health = Endpoint.HealthStatus.UNKNOWN;
    }
    return new Endpoint(sa.getAddress(), port, weight, health, e.getEndpoint().getHostname(), hashKey(e),
        transportSocketMatch(e), workload(e));
  }

  /** istiod's {@code istio} metadata filter ({@code workload}, and Bowline's {@code app}, {@code version}, {@code principal}). */
  private static io.bowline.api.config.WorkloadMetadata workload(LbEndpoint e) {
    var m = e.getMetadata().getFilterMetadataMap().get("istio");
    if (m == null) {
      return io.bowline.api.config.WorkloadMetadata.NONE;
    }
    return io.bowline.api.config.WorkloadMetadata.parse(stringField(m, "workload"), stringField(m, "app"),
        stringField(m, "version"), stringField(m, "principal"));
  }

  private static String stringField(com.google.protobuf.Struct s, String name) {
    com.google.protobuf.Value v = s.getFieldsMap().get(name);
    return v != null && v.getKindCase() == com.google.protobuf.Value.KindCase.STRING_VALUE ? v.getStringValue() : null;
  }

  /** The string fields of the {@code envoy.transport_socket_match} metadata filter (Istio: {@code tlsMode}). */
  private static java.util.Map<String, String> transportSocketMatch(io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint e) {
    var m = e.getMetadata().getFilterMetadataMap().get("envoy.transport_socket_match");
    if (m == null) {
      return java.util.Map.of();
    }
    java.util.Map<String, String> fields = new java.util.HashMap<>();
    m.getFieldsMap().forEach((k, v) -> {
      if (v.hasStringValue()) {
        fields.put(k, v.getStringValue());
      }
    });
    return fields;
  }

  /** Envoy's {@code envoy.lb} metadata {@code hash_key}; a value that is not a string counts as absent, as in Envoy. */
  private static String hashKey(LbEndpoint e) {
    var lb = e.getMetadata().getFilterMetadataMap().get("envoy.lb");
    if (lb == null) {
      return "";
    }
    var key = lb.getFieldsMap().get("hash_key");
    return key != null && key.hasStringValue() ? key.getStringValue() : "";
  }
}
