package io.bowline.runtime.pipeline;

/** Envoy response flags ({@code %RESPONSE_FLAGS%}) set by the resilience layer. */
public final class ResponseFlags {
  /** Upstream request timeout: route timeout, or per-try timeout on the final attempt (504). */
  public static final String UT = "UT";
  /** Upstream overflow: a circuit breaker rejected the request (503 + {@code x-envoy-overloaded}). */
  public static final String UO = "UO";
  /** Retries exhausted (num_retries or the retry circuit breaker) and the last attempt failed. */
  public static final String URX = "URX";
  /** A fault delay was injected. */
  public static final String DI = "DI";
  /** A fault abort was injected. */
  public static final String FI = "FI";
  /** Upstream connection failure (503). */
  public static final String UF = "UF";
  /** Upstream remote reset (503). */
  public static final String UR = "UR";
  /** No healthy upstream (503). */
  public static final String UH = "UH";
  /** UpstreamMaxStreamDurationReached: the route's {@code max_stream_duration} passed (HTTP 408). */
  public static final String UMSDR = "UMSDR";
  /** RateLimited: a rate limit filter answered the request locally (429 by default). */
  public static final String RL = "RL";
  /** RateLimitServiceError: the rate limit service failed and {@code failure_mode_deny} is set (500). */
  public static final String RLSE = "RLSE";

  private ResponseFlags() {}

  /** Joins two flag lists with {@code ,}; either may be empty. */
  public static String join(String a, String b) {
    if (a.isEmpty()) {
      return b;
    }
    return b.isEmpty() ? a : a + "," + b;
  }
}
