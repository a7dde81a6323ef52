package io.bowline.controlplane.translate;

import com.google.protobuf.Duration;
import io.bowline.controlplane.istio.LoadBalancerSettings;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.RuntimeDouble;
import io.envoyproxy.envoy.type.v3.Percent;

/**
 * DestinationRule {@code loadBalancer.warmup} / {@code warmupDurationSecs} → Envoy's slow start
 * ({@code round_robin_lb_config} or {@code least_request_lb_config} {@code .slow_start_config}), as istiod's
 * {@code applyRoundRobinLoadBalancer} / {@code applyLeastRequestLoadBalancer} write it: the deprecated
 * {@code warmupDurationSecs} sets only {@code slow_start_window}; {@code warmup} also sets {@code aggression}
 * (default 1.0: linear, under the fixed runtime key {@value #RUNTIME_KEY} that is never set) and
 * {@code min_weight_percent} (default 10 %, Envoy's).
 */
final class SlowStartTranslator {

  /** The runtime key istiod writes for the aggression (not exposed; the default value always applies). */
  static final String RUNTIME_KEY = "(";

  private SlowStartTranslator() {}

  /** {@code cluster} with the slow start of {@code loadBalancer}, when it has a warmup and a matching policy. */
  static Cluster apply(Cluster cluster, LoadBalancerSettings loadBalancer) {
    if (loadBalancer.warmup().isEmpty() || loadBalancer.consistentHash().isPresent()) {
      return cluster;
    }
    LoadBalancerSettings.Warmup warmup = loadBalancer.warmup().get();
    Cluster.SlowStartConfig.Builder slowStart = Cluster.SlowStartConfig.newBuilder()
        .setSlowStartWindow(Duration.newBuilder().setSeconds(warmup.duration().getSeconds())
            .setNanos(warmup.duration().getNano()));
    if (!warmup.deprecatedForm()) {
      slowStart.setAggression(RuntimeDouble.newBuilder()
          .setDefaultValue(warmup.aggression() == null ? 1.0 : warmup.aggression()).setRuntimeKey(RUNTIME_KEY));
      slowStart.setMinWeightPercent(Percent.newBuilder()
          .setValue(warmup.minimumPercent() == null ? 10.0 : warmup.minimumPercent()));
    }
    return switch (cluster.getLbPolicy()) {
      case ROUND_ROBIN -> cluster.toBuilder().setRoundRobinLbConfig(
          Cluster.RoundRobinLbConfig.newBuilder().setSlowStartConfig(slowStart)).build();
      case LEAST_REQUEST -> cluster.toBuilder().setLeastRequestLbConfig(
          Cluster.LeastRequestLbConfig.newBuilder().setSlowStartConfig(slowStart)).build();
      default -> cluster;
    };
  }
}
