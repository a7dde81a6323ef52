package io.bowline.api.config;

import java.time.Duration;
import java.util.Objects;

/**
 * Envoy {@code config.cluster.v3.OutlierDetection}; its presence on a cluster turns ejection on.
 * Percentages are 0–100.
 *
 * @param consecutive5xx {@code consecutive_5xx} (default 5)
 * @param enforcingConsecutive5xx {@code enforcing_consecutive_5xx} (default 100)
 * @param consecutiveGatewayFailure {@code consecutive_gateway_failure} (default 5)
 * @param enforcingConsecutiveGatewayFailure {@code enforcing_consecutive_gateway_failure} (default 0)
 * @param splitExternalLocalOriginErrors {@code split_external_local_origin_errors} (default false)
 * @param consecutiveLocalOriginFailure {@code consecutive_local_origin_failure} (default 5)
 * @param enforcingConsecutiveLocalOriginFailure {@code enforcing_consecutive_local_origin_failure} (default 100)
 * @param interval {@code interval} (default 10 s)
 * @param baseEjectionTime {@code base_ejection_time} (default 30 s)
 * @param maxEjectionTime {@code max_ejection_time} (default 300 s)
 * @param maxEjectionPercent {@code max_ejection_percent} (default 10)
 * @param successRateMinimumHosts {@code success_rate_minimum_hosts} (default 5)
 * @param successRateRequestVolume {@code success_rate_request_volume} (default 100)
 * @param successRateStdevFactor {@code success_rate_stdev_factor} (default 1900, i.e. 1.9)
 * @param enforcingSuccessRate {@code enforcing_success_rate} (default 100)
 * @param failurePercentageThreshold {@code failure_percentage_threshold} (default 85)
 * @param failurePercentageMinimumHosts {@code failure_percentage_minimum_hosts} (default 5)
 * @param failurePercentageRequestVolume {@code failure_percentage_request_volume} (default 50)
 * @param enforcingFailurePercentage {@code enforcing_failure_percentage} (default 0)
 */
public record OutlierDetection(
    int consecutive5xx,
    int enforcingConsecutive5xx,
    int consecutiveGatewayFailure,
    int enforcingConsecutiveGatewayFailure,
    boolean splitExternalLocalOriginErrors,
    int consecutiveLocalOriginFailure,
    int enforcingConsecutiveLocalOriginFailure,
    Duration interval,
    Duration baseEjectionTime,
    Duration maxEjectionTime,
    int maxEjectionPercent,
    int successRateMinimumHosts,
    int successRateRequestVolume,
    int successRateStdevFactor,
    int enforcingSuccessRate,
    int failurePercentageThreshold,
    int failurePercentageMinimumHosts,
    int failurePercentageRequestVolume,
    int enforcingFailurePercentage) {
  /** An {@code OutlierDetection {}} with every field at Envoy's default. */
  public static final OutlierDetection ENVOY_DEFAULT = new OutlierDetection(
      5, 100, 5, 0, false, 5, 100,
      Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(300), 10,
      5, 100, 1900, 100, 85, 5, 50, 0);

  /**
   * Checks the components.
   *
   * @param consecutive5xx {@code consecutive_5xx} (default 5)
   * @param enforcingConsecutive5xx {@code enforcing_consecutive_5xx} (default 100)
   * @param consecutiveGatewayFailure {@code consecutive_gateway_failure} (default 5)
   * @param enforcingConsecutiveGatewayFailure {@code enforcing_consecutive_gateway_failure} (default 0)
   * @param splitExternalLocalOriginErrors {@code split_external_local_origin_errors} (default false)
   * @param consecutiveLocalOriginFailure {@code consecutive_local_origin_failure} (default 5)
   * @param enforcingConsecutiveLocalOriginFailure {@code enforcing_consecutive_local_origin_failure} (default
   *     100)
   * @param interval {@code interval} (default 10 s)
   * @param baseEjectionTime {@code base_ejection_time} (default 30 s)
   * @param maxEjectionTime {@code max_ejection_time} (default 300 s)
   * @param maxEjectionPercent {@code max_ejection_percent} (default 10)
   * @param successRateMinimumHosts {@code success_rate_minimum_hosts} (default 5)
   * @param successRateRequestVolume {@code success_rate_request_volume} (default 100)
   * @param successRateStdevFactor {@code success_rate_stdev_factor} (default 1900, i.e. 1.9)
   * @param enforcingSuccessRate {@code enforcing_success_rate} (default 100)
   * @param failurePercentageThreshold {@code failure_percentage_threshold} (default 85)
   * @param failurePercentageMinimumHosts {@code failure_percentage_minimum_hosts} (default 5)
   * @param failurePercentageRequestVolume {@code failure_percentage_request_volume} (default 50)
   * @param enforcingFailurePercentage {@code enforcing_failure_percentage} (default 0)
   * @throws NullPointerException if a required component is {@code null}
   */
  public OutlierDetection {
    Objects.requireNonNull(interval, "interval");
    Objects.requireNonNull(baseEjectionTime, "baseEjectionTime");
    Objects.requireNonNull(maxEjectionTime, "maxEjectionTime");
  }
}
