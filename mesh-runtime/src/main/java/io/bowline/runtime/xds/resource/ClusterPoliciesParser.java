package io.bowline.runtime.xds.resource;

import io.bowline.api.config.CircuitBreakers;
import io.bowline.api.config.ClusterPolicies;
import io.bowline.api.config.OutlierDetection;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import java.time.Duration;

/**
 * Envoy {@code Cluster.circuit_breakers}, {@code Cluster.outlier_detection} and
 * {@code Cluster.health_checks} → {@link ClusterPolicies}.
 */
final class ClusterPoliciesParser {
  private ClusterPoliciesParser() {}

  static ClusterPolicies parse(Cluster c) throws ResourceException {
    return new ClusterPolicies(circuitBreakers(c), c.hasOutlierDetection() ? outlier(c.getOutlierDetection()) : null,
        HealthCheckParser.parse(c.getHealthChecksList()));
  }

  private static CircuitBreakers circuitBreakers(Cluster c) throws ResourceException {
    if (!c.hasCircuitBreakers()) {
      return CircuitBreakers.ENVOY_DEFAULT;
    }
    var cb = c.getCircuitBreakers();
    for (int i = 0; i < cb.getThresholdsCount(); i++) {
      var t = cb.getThresholds(i);
      if (t.getPriority() != RoutingPriority.DEFAULT) {
        continue;
      }
      String at = "circuit_breakers.thresholds[" + i + "]";
      CircuitBreakers d = CircuitBreakers.ENVOY_DEFAULT;
      double budget = -1;
      long minConc = 3;
      if (t.hasRetryBudget()) {
        var b = t.getRetryBudget();
        budget = b.hasBudgetPercent() ? b.getBudgetPercent().getValue() : 20.0;
        if (budget < 0 || budget > 100) {
          throw new ResourceException(at + ".retry_budget.budget_percent", "must be in [0, 100], was " + budget);
        }
        minConc = b.hasMinRetryConcurrency() ? Integer.toUnsignedLong(b.getMinRetryConcurrency().getValue()) : 3;
      }
      return new CircuitBreakers(
          t.hasMaxConnections() ? Integer.toUnsignedLong(t.getMaxConnections().getValue()) : d.maxConnections(),
          t.hasMaxPendingRequests() ? Integer.toUnsignedLong(t.getMaxPendingRequests().getValue()) : d.maxPendingRequests(),
          t.hasMaxRequests() ? Integer.toUnsignedLong(t.getMaxRequests().getValue()) : d.maxRequests(),
          t.hasMaxRetries() ? Integer.toUnsignedLong(t.getMaxRetries().getValue()) : d.maxRetries(),
          budget,
          minConc);
    }
    return CircuitBreakers.ENVOY_DEFAULT;
  }

  private static OutlierDetection outlier(io.envoyproxy.envoy.config.cluster.v3.OutlierDetection o)
      throws ResourceException {
    OutlierDetection d = OutlierDetection.ENVOY_DEFAULT;
    String at = "outlier_detection";
    Duration interval = o.hasInterval() ? Protos.duration(o.getInterval(), at + ".interval") : d.interval();
    if (interval.isZero()) {
      throw new ResourceException(at + ".interval", "must be > 0");
    }
    return new OutlierDetection(
        u(o.hasConsecutive5Xx(), o.getConsecutive5Xx().getValue(), d.consecutive5xx()),
        pct(o.hasEnforcingConsecutive5Xx(), o.getEnforcingConsecutive5Xx().getValue(), d.enforcingConsecutive5xx(), at + ".enforcing_consecutive_5xx"),
        u(o.hasConsecutiveGatewayFailure(), o.getConsecutiveGatewayFailure().getValue(), d.consecutiveGatewayFailure()),
        pct(o.hasEnforcingConsecutiveGatewayFailure(), o.getEnforcingConsecutiveGatewayFailure().getValue(), d.enforcingConsecutiveGatewayFailure(), at + ".enforcing_consecutive_gateway_failure"),
        o.getSplitExternalLocalOriginErrors(),
        u(o.hasConsecutiveLocalOriginFailure(), o.getConsecutiveLocalOriginFailure().getValue(), d.consecutiveLocalOriginFailure()),
        pct(o.hasEnforcingConsecutiveLocalOriginFailure(), o.getEnforcingConsecutiveLocalOriginFailure().getValue(), d.enforcingConsecutiveLocalOriginFailure(), at + ".enforcing_consecutive_local_origin_failure"),
        interval,
        o.hasBaseEjectionTime() ? Protos.duration(o.getBaseEjectionTime(), at + ".base_ejection_time") : d.baseEjectionTime(),
        o.hasMaxEjectionTime() ? Protos.duration(o.getMaxEjectionTime(), at + ".max_ejection_time") : d.maxEjectionTime(),
        pct(o.hasMaxEjectionPercent(), o.getMaxEjectionPercent().getValue(), d.maxEjectionPercent(), at + ".max_ejection_percent"),
        u(o.hasSuccessRateMinimumHosts(), o.getSuccessRateMinimumHosts().getValue(), d.successRateMinimumHosts()),
        u(o.hasSuccessRateRequestVolume(), o.getSuccessRateRequestVolume().getValue(), d.successRateRequestVolume()),
        u(o.hasSuccessRateStdevFactor(), o.getSuccessRateStdevFactor().getValue(), d.successRateStdevFactor()),
        pct(o.hasEnforcingSuccessRate(), o.getEnforcingSuccessRate().getValue(), d.enforcingSuccessRate(), at + ".enforcing_success_rate"),
        pct(o.hasFailurePercentageThreshold(), o.getFailurePercentageThreshold().getValue(), d.failurePercentageThreshold(), at + ".failure_percentage_threshold"),
        u(o.hasFailurePercentageMinimumHosts(), o.getFailurePercentageMinimumHosts().getValue(), d.failurePercentageMinimumHosts()),
        u(o.hasFailurePercentageRequestVolume(), o.getFailurePercentageRequestVolume().getValue(), d.failurePercentageRequestVolume()),
        pct(o.hasEnforcingFailurePercentage(), o.getEnforcingFailurePercentage().getValue(), d.enforcingFailurePercentage(), at + ".enforcing_failure_percentage"));
  }

  private static int u(boolean has, int value, int dflt) {
    return has ? (int) Math.min(Integer.MAX_VALUE, Integer.toUnsignedLong(value)) : dflt;
  }

  private static int pct(boolean has, int value, int dflt, String at) throws ResourceException {
    if (!has) {
      return dflt;
    }
    long v = Integer.toUnsignedLong(value);
    if (v > 100) {
      throw new ResourceException(at, "must be in [0, 100], was " + v);
    }
    return (int) v;
  }
}
