package io.bowline.controlplane.istio;

import java.util.List;
import java.util.Map;

/**
 * Istio {@code LoadBalancerSettings.localityLbSetting}. Localities are {@code region/zone/subzone} strings;
 * {@code *} matches any value of a segment and a shorter pattern matches every locality below it.
 *
 * @param enabled {@code enabled} (true when unset, as the mesh default enables locality load balancing)
 * @param distribute {@code distribute[]}
 * @param failover {@code failover[]}
 * @param failoverPriority {@code failoverPriority[]} (label keys): priorities by label match with the client
 */
public record LocalityLbSetting(
    boolean enabled, List<Distribute> distribute, List<Failover> failover, List<String> failoverPriority) {

  /**
   * One {@code distribute[]} entry.
   *
   * @param from the client locality pattern it applies to
   * @param to locality pattern → percentage of traffic (0-100, summing to 100)
   */
  public record Distribute(String from, Map<String, Integer> to) {
    /** Copies the map. */
    public Distribute {
      to = Map.copyOf(to);
    }
  }

  /**
   * One {@code failover[]} entry: clients in region {@code from} fail over to region {@code to} before others.
   *
   * @param from a region
   * @param to a region
   */
  public record Failover(String from, String to) {}

  /** Copies the lists. */
  public LocalityLbSetting {
    distribute = List.copyOf(distribute);
    failover = List.copyOf(failover);
    failoverPriority = List.copyOf(failoverPriority);
  }
}
