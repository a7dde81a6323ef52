package io.bowline.controlplane.istio;

import java.util.Map;

/**
 * One workload instance: an inline {@code ServiceEntry.endpoints[]} entry or the spec of a
 * {@code WorkloadEntry} (Istio {@code networking.v1.WorkloadEntry}).
 *
 * @param address IP address or host name ({@code address})
 * @param ports port number per service port name ({@code ports}), overriding the service port
 * @param labels workload labels ({@code labels}), matched by DestinationRule subsets and workload selectors
 * @param weight relative load-balancing weight ({@code weight}); 0 means unset (treated as 1)
 * @param locality {@code "region/zone/subzone"} ({@code locality}); {@code ""} when unset
 * @param workload the workload it belongs to (a WorkloadEntry's name, namespace and {@code serviceAccount});
 *     {@link Workload#NONE} for an inline ServiceEntry endpoint
 */
public record WorkloadEndpoint(
    String address, Map<String, Integer> ports, Map<String, String> labels, int weight, String locality,
    Workload workload) {

  /**
   * The workload an endpoint belongs to, as istiod's endpoint metadata names it.
   *
   * @param name the workload's name ({@code ""}: unknown)
   * @param namespace its namespace
   * @param serviceAccount its service account ({@code ""}: none)
   */
  public record Workload(String name, String namespace, String serviceAccount) {
    /** No workload known. */
    public static final Workload NONE = new Workload("", "", "");
  }

  /** An endpoint of no known workload. */
  public WorkloadEndpoint(
      String address, Map<String, Integer> ports, Map<String, String> labels, int weight, String locality) {
    this(address, ports, labels, weight, locality, Workload.NONE);
  }

  /** The same endpoint, of the workload {@code namespace/name} running as {@code serviceAccount}. */
  public WorkloadEndpoint withWorkload(String name, String namespace, String serviceAccount) {
    return new WorkloadEndpoint(address, ports, labels, weight, locality,
        new Workload(name, namespace, serviceAccount == null ? "" : serviceAccount));
  }

  /** Copies the maps so the record stays immutable. */
  public WorkloadEndpoint {
    ports = Map.copyOf(ports);
    labels = Map.copyOf(labels);
    workload = workload == null ? Workload.NONE : workload;
  }

  /** Whether these labels contain every entry of {@code selector} (an empty selector matches everything). */
  public boolean hasLabels(Map<String, String> selector) {
    return labels.entrySet().containsAll(selector.entrySet());
  }
}
