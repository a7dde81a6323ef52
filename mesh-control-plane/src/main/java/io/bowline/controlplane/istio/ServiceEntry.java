package io.bowline.controlplane.istio;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An Istio {@code ServiceEntry} (networking.istio.io v1/v1beta1/v1alpha3): services added to the mesh with
 * their endpoints.
 *
 * @param ref where it came from
 * @param hosts {@code spec.hosts}, as written (resolved to FQDNs during translation)
 * @param ports {@code spec.ports}
 * @param resolution {@code spec.resolution}; Istio's default is {@code NONE}
 * @param endpoints the inline {@code spec.endpoints}
 * @param workloadSelector {@code spec.workloadSelector.labels}, selecting WorkloadEntries of the same
 *     namespace; empty when the entry has no selector
 * @param meshExternal {@code spec.location} is {@code MESH_EXTERNAL}: outside the mesh, so callers send it no Istio
 *     peer metadata
 */
public record ServiceEntry(
    ResourceRef ref,
    List<String> hosts,
    List<ServicePort> ports,
    Resolution resolution,
    List<WorkloadEndpoint> endpoints,
    Optional<Map<String, String>> workloadSelector,
    boolean meshExternal) {

  /**
   * An entry inside the mesh ({@code location: MESH_INTERNAL}, Istio's default).
   *
   * @param ref where it came from
   * @param hosts {@code spec.hosts}
   * @param ports {@code spec.ports}
   * @param resolution {@code spec.resolution}
   * @param endpoints the inline {@code spec.endpoints}
   * @param workloadSelector {@code spec.workloadSelector.labels}, empty without a selector
   */
  public ServiceEntry(ResourceRef ref, List<String> hosts, List<ServicePort> ports, Resolution resolution,
      List<WorkloadEndpoint> endpoints, Optional<Map<String, String>> workloadSelector) {
    this(ref, hosts, ports, resolution, endpoints, workloadSelector, false);
  }

  /** {@code ServiceEntry.Resolution}: how the proxy finds the addresses of the service. */
  public enum Resolution {
    /** Addresses are not resolved (Istio's default); not translated. */
    NONE,
    /** The endpoints' addresses are IPs, used as they are. */
    STATIC,
    /** The endpoints' addresses (or the hosts) are resolved by DNS. */
    DNS,
    /** Like DNS, using one address at a time. */
    DNS_ROUND_ROBIN
  }

  /** Copies the lists so the record stays immutable. */
  public ServiceEntry {
    hosts = List.copyOf(hosts);
    ports = List.copyOf(ports);
    endpoints = List.copyOf(endpoints);
    workloadSelector = workloadSelector.map(Map::copyOf);
  }
}
