package io.bowline.controlplane.translate;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import io.bowline.controlplane.istio.HttpPolicies;
import io.bowline.controlplane.istio.VirtualService.Destination;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultDelay;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Istio {@code HTTPRoute} resilience fields → Envoy, as istiod writes them ({@code route.go},
 * {@code retry/retry.go}): {@code timeout} (0 unless set, also as {@code max_grpc_timeout}),
 * {@code retries} (the built-in default policy when unset: 2 retries on
 * {@code connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes} with
 * {@code previous_hosts} and 5 host selection attempts; {@code attempts: 0} ⇒ no policy),
 * {@code fault} ({@code typed_per_filter_config["envoy.filters.http.fault"]}, percentages as
 * MILLION fractions) and mirrors ({@code request_mirror_policies}, {@code trace_sampled: false},
 * {@code disable_shadow_host_suffix_append: true} as Istio ≥ 1.28 does).
 */
final class HttpPolicyTranslator {
  static final String FAULT_FILTER = "envoy.filters.http.fault";
  static final String DEFAULT_RETRY_ON = "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes";
  private static final String PREVIOUS_HOSTS = "envoy.retry_host_predicates.previous_hosts";

  /** istiod's built-in retry policy (no {@code retries} on the route, no mesh default). */
  static final RetryPolicy DEFAULT_RETRY = RetryPolicy.newBuilder()
      .setRetryOn(DEFAULT_RETRY_ON)
      .setNumRetries(UInt32Value.of(2))
      .addRetryHostPredicate(previousHosts())
      .setHostSelectionRetryMaxAttempts(5)
      .build();

  private HttpPolicyTranslator() {}

  private static RetryPolicy.RetryHostPredicate previousHosts() {
    return RetryPolicy.RetryHostPredicate.newBuilder()
        .setName(PREVIOUS_HOSTS)
        .setTypedConfig(Any.pack(PreviousHostsPredicate.getDefaultInstance()))
        .build();
  }

  /**
   * Drops the {@code previous_hosts} retry host predicate from {@code action}'s retry policy: with a
   * consistent-hash load balancer on the destination Istio omits it, so a retry stays on the hashed host.
   */
  static void keepRetriesOnTheHashedHost(RouteAction.Builder action) {
    if (!action.hasRetryPolicy()) {
      return;
    }
    RetryPolicy retry = action.getRetryPolicy();
    List<RetryPolicy.RetryHostPredicate> kept = retry.getRetryHostPredicateList().stream()
        .filter(predicate -> !predicate.getName().equals(PREVIOUS_HOSTS))
        .toList();
    if (kept.size() != retry.getRetryHostPredicateCount()) {
      action.setRetryPolicy(retry.toBuilder().clearRetryHostPredicate().addAllRetryHostPredicate(kept));
    }
  }

  /** Sets timeout, retry policy and mirrors of one route action. */
  static void apply(HttpPolicies p, RouteAction.Builder action, Function<Destination, String> clusterName) {
    Duration timeout = p.timeout() == null ? Duration.getDefaultInstance() : proto(p.timeout());
    action.setTimeout(timeout).setMaxGrpcTimeout(timeout);
    RetryPolicy retry = retry(p.retries());
    if (retry != null) {
      action.setRetryPolicy(retry);
    }
    for (HttpPolicies.Mirror m : p.mirrors()) {
      if (m.percent() == 0) {
        continue;
      }
      FractionalPercent fraction = m.percent() < 0
          ? FractionalPercent.newBuilder().setNumerator(100).setDenominator(FractionalPercent.DenominatorType.HUNDRED).build()
          : million(m.percent());
      action.addRequestMirrorPolicies(RouteAction.RequestMirrorPolicy.newBuilder()
          .setCluster(clusterName.apply(m.destination()))
          .setRuntimeFraction(RuntimeFractionalPercent.newBuilder().setDefaultValue(fraction))
          .setTraceSampled(BoolValue.of(false))
          .setDisableShadowHostSuffixAppend(true));
    }
  }

  /** The retry policy for {@code retries} ({@code null} when {@code attempts ≤ 0}). */
  static RetryPolicy retry(HttpPolicies.Retries r) {
    if (r == null) {
      return DEFAULT_RETRY;
    }
    if (r.attempts() <= 0) {
      return null;
    }
    RetryPolicy.Builder b = RetryPolicy.newBuilder().setNumRetries(UInt32Value.of(r.attempts()));
    Set<String> tokens = new LinkedHashSet<>();
    boolean codes = false;
    for (String t : r.retryOn().split(",")) {
      String token = t.trim();
      if (token.isEmpty()) {
        continue;
      }
      if (token.chars().allMatch(Character::isDigit)) {
        int code = Integer.parseInt(token);
        if (code >= 100 && code <= 599) {
          b.addRetriableStatusCodes(code);
          codes = true;
        }
        continue;
      }
      tokens.add(token);
    }
    if (codes) {
      tokens.add("retriable-status-codes");
    }
    b.setRetryOn(tokens.isEmpty() ? DEFAULT_RETRY_ON : String.join(",", tokens));
    if (r.perTryTimeout() != null) {
      b.setPerTryTimeout(proto(r.perTryTimeout()));
    }
    if (r.retryIgnorePreviousHosts()) {
      b.addRetryHostPredicate(previousHosts()).setHostSelectionRetryMaxAttempts(5);
    }
    if (r.backoff() != null) {
      b.setRetryBackOff(RetryPolicy.RetryBackOff.newBuilder().setBaseInterval(proto(r.backoff())));
    }
    return b.build();
  }

  /** {@code typed_per_filter_config} entries for the route's fault, empty when it has none. */
  static Map<String, Any> faultConfig(HttpPolicies p) {
    HttpPolicies.Fault f = p.fault();
    if (f == null) {
      return Map.of();
    }
    HTTPFault.Builder b = HTTPFault.newBuilder();
    boolean any = false;
    if (f.delayFixed() != null) {
      FaultDelay.Builder d = FaultDelay.newBuilder().setFixedDelay(proto(f.delayFixed()));
      d.setPercentage(million(Math.max(0, f.delayPercent())));
      b.setDelay(d);
      any = true;
    }
    if (f.abortHttpStatus() > 0 || f.abortGrpcStatus() >= 0) {
      FaultAbort.Builder a = FaultAbort.newBuilder();
      if (f.abortHttpStatus() > 0) {
        a.setHttpStatus(f.abortHttpStatus());
      } else {
        a.setGrpcStatus(f.abortGrpcStatus());
      }
      if (f.abortPercent() >= 0) {
        a.setPercentage(million(f.abortPercent()));
      }
      b.setAbort(a);
      any = true;
    }
    return any ? Map.of(FAULT_FILTER, Any.pack(b.build())) : Map.of();
  }

  /** Istio's {@code translatePercentToFractionalPercent}: value × 10000 over a MILLION. */
  static FractionalPercent million(double percent) {
    return FractionalPercent.newBuilder()
        .setNumerator((int) Math.round(percent * 10_000))
        .setDenominator(FractionalPercent.DenominatorType.MILLION)
        .build();
  }

  static Duration proto(java.time.Duration d) {
    return Duration.newBuilder().setSeconds(d.getSeconds()).setNanos(d.getNano()).build();
  }
}
