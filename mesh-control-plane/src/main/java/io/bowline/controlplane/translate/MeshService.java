package io.bowline.controlplane.translate;

import io.bowline.controlplane.istio.ResourceRef;
import io.bowline.controlplane.istio.ServicePort;
import io.bowline.controlplane.istio.WorkloadEndpoint;
import java.util.List;

/**
 * One service of the mesh: a ServiceEntry host resolved to its FQDN, with its ports and endpoints (inline
 * ones followed by the selected WorkloadEntries).
 *
 * @param host the FQDN
 * @param source the ServiceEntry that defines it
 * @param ports the service ports
 * @param endpoints the workload instances
 */
record MeshService(String host, ResourceRef source, List<ServicePort> ports, List<WorkloadEndpoint> endpoints) {

  MeshService {
    ports = List.copyOf(ports);
    endpoints = List.copyOf(endpoints);
  }
}
