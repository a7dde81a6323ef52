package io.bowline.controlplane.istio;

import java.time.Duration;
import java.util.Optional;

/**
 * Istio {@code LoadBalancerSettings}: either {@code simple} or {@code consistentHash} (a oneof). A subset's
 * settings replace the rule's as a whole, as istiod merges traffic policies.
 *
 * @param simple {@code simple} after normalisation; {@link LoadBalancer#LEAST_REQUEST} when unset
 * @param consistentHash {@code consistentHash}, or empty
 * @param localityLbSetting {@code localityLbSetting}, or empty (the mesh default: enabled, no distribute or
 *     failover rules)
 * @param warmup {@code warmup}, or the deprecated {@code warmupDurationSecs} as a warmup with only a duration;
 *     empty when neither is set
 */
public record LoadBalancerSettings(
    LoadBalancer simple, Optional<ConsistentHash> consistentHash, Optional<LocalityLbSetting> localityLbSetting,
    Optional<Warmup> warmup) {

  /** Settings without warmup. */
  public LoadBalancerSettings(
      LoadBalancer simple, Optional<ConsistentHash> consistentHash, Optional<LocalityLbSetting> localityLbSetting) {
    this(simple, consistentHash, localityLbSetting, Optional.empty());
  }

  /**
   * Istio {@code LoadBalancerSettings.warmup} ({@code WarmupConfiguration}) or {@code warmupDurationSecs}.
   *
   * @param duration {@code duration} / {@code warmupDurationSecs}
   * @param minimumPercent {@code minimumPercent} (0-100), or {@code null} when unset
   * @param aggression {@code aggression}, or {@code null} when unset
   * @param deprecatedForm whether it came from {@code warmupDurationSecs} (istiod then writes only the window)
   */
  public record Warmup(Duration duration, Double minimumPercent, Double aggression, boolean deprecatedForm) {}

  /** Settings with only {@code simple}. */
  public static LoadBalancerSettings of(LoadBalancer simple) {
    return new LoadBalancerSettings(simple, Optional.empty(), Optional.empty());
  }
}
