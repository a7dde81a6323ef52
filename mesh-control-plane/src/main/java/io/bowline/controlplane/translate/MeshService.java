package io.bowline.controlplane.translate;

import io.bowline.controlplane.istio.ResourceRef;
import io.bowline.controlplane.istio.ServicePort;
import io.bowline.controlplane.istio.WorkloadEndpoint;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.util.List;

/**
 * One service of the mesh: a ServiceEntry host resolved to its FQDN, with its ports and endpoints (inline
 * ones followed by the selected WorkloadEntries).
 *
 * @param host the FQDN
 * @param source the ServiceEntry that defines it
 * @param ports the service ports
 * @param endpoints the workload instances
 * @param discovery how clients find the endpoints: {@code EDS} (served as ClusterLoadAssignments), or
 *     {@code STRICT_DNS} / {@code LOGICAL_DNS} for a ServiceEntry with {@code resolution: DNS} /
 *     {@code DNS_ROUND_ROBIN} and no endpoints, whose clusters carry the host in their {@code load_assignment}
 * @param meshExternal its ServiceEntry's {@code location} is {@code MESH_EXTERNAL}
 */
record MeshService(
    String host, ResourceRef source, List<ServicePort> ports, List<WorkloadEndpoint> endpoints,
    Cluster.DiscoveryType discovery, boolean meshExternal) {

  /** A service inside the mesh. */
  MeshService(String host, ResourceRef source, List<ServicePort> ports, List<WorkloadEndpoint> endpoints,
      Cluster.DiscoveryType discovery) {
    this(host, source, ports, endpoints, discovery, false);
  }

  /** A service whose endpoints are served over EDS. */
  MeshService(String host, ResourceRef source, List<ServicePort> ports, List<WorkloadEndpoint> endpoints) {
    this(host, source, ports, endpoints, Cluster.DiscoveryType.EDS);
  }

  MeshService {
    ports = List.copyOf(ports);
    endpoints = List.copyOf(endpoints);
  }
}
