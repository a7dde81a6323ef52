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
 */
public record WorkloadEndpoint(
    String address, Map<String, Integer> ports, Map<String, String> labels, int weight, String locality) {

  /** Copies the maps so the record stays immutable. */
  public WorkloadEndpoint {
    ports = Map.copyOf(ports);
    labels = Map.copyOf(labels);
  }

  /** Whether these labels contain every entry of {@code selector} (an empty selector matches everything). */
  public boolean hasLabels(Map<String, String> selector) {
    return labels.entrySet().containsAll(selector.entrySet());
  }
}
