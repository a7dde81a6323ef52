package io.bowline.runtime.xds.resource;

import io.bowline.api.config.HeaderMatcher;
import io.bowline.api.config.RetryPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Envoy {@code config.route.v3.RetryPolicy} → {@link RetryPolicy}, rejecting what would mislead. */
final class RetryPolicyParser {
  /** The {@code retry_on} tokens the runtime acts on (HTTP and gRPC). */
  static final Set<String> KNOWN_TOKENS = Set.of(
      "5xx", "gateway-error", "reset", "reset-before-request", "connect-failure", "envoy-ratelimited",
      "retriable-4xx", "refused-stream", "retriable-status-codes", "retriable-headers",
      "http3-post-connect-failure",
      "cancelled", "deadline-exceeded", "internal", "resource-exhausted", "unavailable");
  private static final String PREVIOUS_HOSTS = "envoy.retry_host_predicates.previous_hosts";

  private RetryPolicyParser() {}

  static RetryPolicy parse(io.envoyproxy.envoy.config.route.v3.RetryPolicy p, String at)
      throws ResourceException {
    Set<String> tokens = new LinkedHashSet<>();
    for (String t : p.getRetryOn().split(",")) {
      String token = t.trim();
      if (token.isEmpty()) {
        continue;
      }
      if (!KNOWN_TOKENS.contains(token)) {
        throw new ResourceException(at + ".retry_on", "unknown condition '" + token + "'");
      }
      tokens.add(token);
    }
    int numRetries = p.hasNumRetries() ? p.getNumRetries().getValue() : 1;
    if (numRetries < 0) {
      throw new ResourceException(at + ".num_retries", "too large: " + Integer.toUnsignedLong(numRetries));
    }
    Duration perTry = p.hasPerTryTimeout() ? Protos.duration(p.getPerTryTimeout(), at + ".per_try_timeout") : null;
    if (perTry != null && perTry.isZero()) {
      perTry = null;
    }
    Set<Integer> codes = new HashSet<>(p.getRetriableStatusCodesList());
    List<HeaderMatcher> headers = new ArrayList<>();
    for (int i = 0; i < p.getRetriableHeadersCount(); i++) {
      headers.add(RouteParser.header(p.getRetriableHeaders(i), at + ".retriable_headers[" + i + "]"));
    }
    if (p.getRetriableRequestHeadersCount() > 0) {
      throw new ResourceException(at + ".retriable_request_headers", "not supported yet");
    }
    Duration base = RetryPolicy.DEFAULT_BASE_INTERVAL;
    Duration max = null;
    if (p.hasRetryBackOff()) {
      var b = p.getRetryBackOff();
      if (!b.hasBaseInterval()) {
        throw new ResourceException(at + ".retry_back_off.base_interval", "is required");
      }
      base = Protos.duration(b.getBaseInterval(), at + ".retry_back_off.base_interval");
      if (base.isZero()) {
        throw new ResourceException(at + ".retry_back_off.base_interval", "must be > 0");
      }
      if (base.compareTo(Duration.ofMillis(1)) < 0) {
        base = Duration.ofMillis(1);
      }
      if (b.hasMaxInterval()) {
        max = Protos.duration(b.getMaxInterval(), at + ".retry_back_off.max_interval");
        if (max.compareTo(base) < 0) {
          throw new ResourceException(at + ".retry_back_off.max_interval", "must be >= base_interval");
        }
      }
    }
    if (max == null) {
      max = base.multipliedBy(10);
    }
    boolean previousHosts = false;
    for (int i = 0; i < p.getRetryHostPredicateCount(); i++) {
      String name = p.getRetryHostPredicate(i).getName();
      if (name.equals(PREVIOUS_HOSTS)
          || p.getRetryHostPredicate(i).getTypedConfig().getTypeUrl().endsWith("PreviousHostsPredicate")) {
        previousHosts = true;
      } else {
        throw new ResourceException(at + ".retry_host_predicate[" + i + "]", "unsupported predicate '" + name + "'");
      }
    }
    long hostSelectionAttempts = Math.max(1, p.getHostSelectionRetryMaxAttempts());
    return new RetryPolicy(tokens, numRetries, perTry, codes, headers, base, max, previousHosts, hostSelectionAttempts);
  }
}
