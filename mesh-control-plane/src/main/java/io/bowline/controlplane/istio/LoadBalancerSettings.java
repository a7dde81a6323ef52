package io.bowline.controlplane.istio;

import java.util.Optional;

/**
 * Istio {@code LoadBalancerSettings}: either {@code simple} or {@code consistentHash} (a oneof). A subset's
 * settings replace the rule's as a whole, as istiod merges traffic policies.
 *
 * @param simple {@code simple} after normalisation; {@link LoadBalancer#LEAST_REQUEST} when unset
 * @param consistentHash {@code consistentHash}, or empty
 * @param localityLbSetting {@code localityLbSetting}, or empty (the mesh default: enabled, no distribute or
 *     failover rules)
 */
public record LoadBalancerSettings(
    LoadBalancer simple, Optional<ConsistentHash> consistentHash, Optional<LocalityLbSetting> localityLbSetting) {

  /** Settings with only {@code simple}. */
  public static LoadBalancerSettings of(LoadBalancer simple) {
    return new LoadBalancerSettings(simple, Optional.empty(), Optional.empty());
  }
}
