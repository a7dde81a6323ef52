package io.bowline.runtime.router.retry;

import io.bowline.api.MeshRequest;
import io.bowline.api.config.HeaderMatcher;
import io.bowline.api.config.RetryPolicy;
import io.bowline.runtime.upstream.Outcome;
import io.bowline.runtime.routing.HeaderMatch;
import java.util.List;

/**
 * A compiled Envoy {@code RetryPolicy}: decides whether an attempt's {@link Outcome} may be
 * retried ({@code retry_on} conditions, {@code retriable_status_codes},
 * {@code retriable_headers}). The attempt limit, back-off and circuit breaker live elsewhere.
 */
public final class RetryDecider {
  private static final int R5XX = 1;
  private static final int GATEWAY_ERROR = 1 << 1;
  private static final int RESET = 1 << 2;
  private static final int CONNECT_FAILURE = 1 << 3;
  private static final int RETRIABLE_4XX = 1 << 4;
  private static final int REFUSED_STREAM = 1 << 5;
  private static final int RETRIABLE_STATUS_CODES = 1 << 6;
  private static final int RETRIABLE_HEADERS = 1 << 7;
  private static final int ENVOY_RATELIMITED = 1 << 8;
  private static final int RESET_BEFORE_REQUEST = 1 << 9;
  private static final int GRPC_CANCELLED = 1 << 10;
  private static final int GRPC_DEADLINE_EXCEEDED = 1 << 11;
  private static final int GRPC_RESOURCE_EXHAUSTED = 1 << 12;
  private static final int GRPC_INTERNAL = 1 << 13;
  private static final int GRPC_UNAVAILABLE = 1 << 14;

  private final RetryPolicy policy;
  private final int mask;
  private final int[] codes;
  private final HeaderMatch[] headers;

  public RetryDecider(RetryPolicy policy) {
    this.policy = policy;
    int m = 0;
    for (String t : policy.retryOn()) {
      m |= bit(t);
    }
    this.mask = m;
    this.codes = policy.retriableStatusCodes().stream().mapToInt(Integer::intValue).toArray();
    List<HeaderMatcher> hs = policy.retriableHeaders();
    this.headers = hs.stream().map(HeaderMatch::new).toArray(HeaderMatch[]::new);
  }

  private static int bit(String token) {
    switch (token) {
      case "5xx": return R5XX;
      case "gateway-error": return GATEWAY_ERROR;
      case "reset": return RESET;
      case "reset-before-request": return RESET_BEFORE_REQUEST;
      case "connect-failure": return CONNECT_FAILURE;
      case "retriable-4xx": return RETRIABLE_4XX;
      case "refused-stream": return REFUSED_STREAM;
      case "retriable-status-codes": return RETRIABLE_STATUS_CODES;
      case "retriable-headers": return RETRIABLE_HEADERS;
      case "envoy-ratelimited": return ENVOY_RATELIMITED;
      case "cancelled": return GRPC_CANCELLED;
      case "deadline-exceeded": return GRPC_DEADLINE_EXCEEDED;
      case "resource-exhausted": return GRPC_RESOURCE_EXHAUSTED;
      case "internal": return GRPC_INTERNAL;
      case "unavailable": return GRPC_UNAVAILABLE;
      default: return 0; // http3-post-connect-failure: HTTP/3 only
    }
  }

  /** The policy this was compiled from. */
  public RetryPolicy policy() {
    return policy;
  }

  /** {@code num_retries}. */
  public int numRetries() {
    return policy.numRetries();
  }

  /** Whether {@code outcome} satisfies one of the {@code retry_on} conditions. */
  public boolean retriable(Outcome outcome) {
    switch (outcome.kind()) {
      case CONNECT_FAILURE:
        return has(R5XX | GATEWAY_ERROR | CONNECT_FAILURE | RESET_BEFORE_REQUEST);
      case REFUSED_STREAM:
        return has(R5XX | GATEWAY_ERROR | REFUSED_STREAM | RESET | RESET_BEFORE_REQUEST);
      case RESET:
      case PER_TRY_TIMEOUT:
        return has(R5XX | GATEWAY_ERROR | RESET);
      case RESPONSE:
      default:
        return retriableResponse(outcome);
    }
  }

  /**
   * A response's conditions: its status first (small enough for the JIT to inline on the success
   * path); the conditions that read its headers or gRPC status only when {@code retry_on} has one.
   */
  private boolean retriableResponse(Outcome o) {
    return retriableStatus(o.httpStatus()) || has(BY_HEADERS_OR_GRPC) && retriableByHeadersOrGrpc(o);
  }

  private static final int BY_HEADERS_OR_GRPC = RETRIABLE_HEADERS | ENVOY_RATELIMITED | GRPC_CANCELLED
      | GRPC_DEADLINE_EXCEEDED | GRPC_RESOURCE_EXHAUSTED | GRPC_INTERNAL | GRPC_UNAVAILABLE;

  private boolean retriableStatus(int s) {
    if (s >= 500 && has(R5XX)) {
      return true;
    }
    if ((s == 502 || s == 503 || s == 504) && has(GATEWAY_ERROR)) {
      return true;
    }
    if (s == 409 && has(RETRIABLE_4XX)) {
      return true;
    }
    if (has(RETRIABLE_STATUS_CODES)) {
      for (int c : codes) {
        if (c == s) {
          return true;
        }
      }
    }
    return false;
  }

  private boolean retriableByHeadersOrGrpc(Outcome o) {
    if (has(ENVOY_RATELIMITED) && o.headers().get("x-envoy-ratelimited") != null) {
      return true;
    }
    if (has(RETRIABLE_HEADERS) && headers.length > 0) {
      MeshRequest view = ResponseHeaderView.of(o);
      for (HeaderMatch h : headers) {
        if (h.matches(view)) {
          return true;
        }
      }
    }
    int g = o.grpcStatus();
    switch (g) {
      case 1: return has(GRPC_CANCELLED);
      case 4: return has(GRPC_DEADLINE_EXCEEDED);
      case 8: return has(GRPC_RESOURCE_EXHAUSTED);
      case 13: return has(GRPC_INTERNAL);
      case 14: return has(GRPC_UNAVAILABLE);
      default: return false;
    }
  }

  private boolean has(int bits) {
    return (mask & bits) != 0;
  }
}
