package io.bowline.runtime.upstream;

/**
 * What one upstream attempt produced, independent of the transport: a response (HTTP status, gRPC
 * status when the response carries one in its headers, header lookup) or a failure with no
 * response. Retry, outlier detection and response flags are decided over this.
 */
public final class Outcome {
  /** Why an attempt produced no response, or {@link #RESPONSE}. */
  public enum Kind {
    /** A response arrived (headers received). */
    RESPONSE,
    /** TCP/TLS connect failed or timed out (Envoy {@code connect-failure}, flag {@code UF}). */
    CONNECT_FAILURE,
    /** Disconnect or reset after connecting, before a response (Envoy {@code reset}, flags {@code UR}/{@code UC}). */
    RESET,
    /** HTTP/2 {@code REFUSED_STREAM} (Envoy {@code refused-stream}). */
    REFUSED_STREAM,
    /** {@code per_try_timeout} expired before response headers (retriable as 5xx/gateway-error/reset). */
    PER_TRY_TIMEOUT
  }

  /** Looks up a response header by lower-case name, {@code null} when absent. */
  @FunctionalInterface
  public interface Headers {
    /** No headers. */
    Headers NONE = name -> null;

    /** The header value (several values joined with {@code ,}), or {@code null}. */
    String get(String lowerCaseName);
  }

  public static final Outcome CONNECT_FAILURE = new Outcome(Kind.CONNECT_FAILURE, 0, -1, Headers.NONE);
  public static final Outcome RESET = new Outcome(Kind.RESET, 0, -1, Headers.NONE);
  public static final Outcome REFUSED_STREAM = new Outcome(Kind.REFUSED_STREAM, 0, -1, Headers.NONE);
  /**
   * A refused stream the transport knows the upstream never processed (gRFC A6: the attempt never left the client,
   * or the upstream refused it by {@code REFUSED_STREAM} or by a GOAWAY whose last stream id is below it). The
   * router replays such an attempt once, transparently, on a fresh pick; after that it is {@link #REFUSED_STREAM}
   * (Envoy's {@code refused-stream}, flag {@code UR}, a retry only as {@code retry_on} says). See
   * {@link #unprocessed()}.
   */
  public static final Outcome UNPROCESSED = new Outcome(Kind.REFUSED_STREAM, 0, -1, Headers.NONE);
  public static final Outcome PER_TRY_TIMEOUT = new Outcome(Kind.PER_TRY_TIMEOUT, 0, -1, Headers.NONE);

  private final Kind kind;
  private final int httpStatus;
  private final int grpcStatus;
  private final Headers headers;

  private Outcome(Kind kind, int httpStatus, int grpcStatus, Headers headers) {
    this.kind = kind;
    this.httpStatus = httpStatus;
    this.grpcStatus = grpcStatus;
    this.headers = headers;
  }

  /**
   * A response.
   *
   * @param httpStatus the HTTP status
   * @param grpcStatus the {@code grpc-status} in the response headers (trailers-only), or -1
   * @param headers response header lookup
   */
  public static Outcome response(int httpStatus, int grpcStatus, Headers headers) {
    return new Outcome(Kind.RESPONSE, httpStatus, grpcStatus, headers);
  }

  /**
   * An HTTP response whose {@code grpc-status} is read from its headers (a trailers-only gRPC
   * response carries it there).
   *
   * @param httpStatus the HTTP status
   * @param headers response header lookup
   */
  public static Outcome response(int httpStatus, Headers headers) {
    String grpc = headers.get("grpc-status");
    int grpcStatus = -1;
    if (grpc != null) {
      try {
        grpcStatus = Integer.parseInt(grpc.trim());
      } catch (NumberFormatException e) {
        grpcStatus = -1;
      }
    }
    return new Outcome(Kind.RESPONSE, httpStatus, grpcStatus, headers);
  }

  public Kind kind() {
    return kind;
  }

  /** HTTP status of a response, 0 when there was none. */
  public int httpStatus() {
    return httpStatus;
  }

  /** gRPC status from the response headers, or -1. */
  public int grpcStatus() {
    return grpcStatus;
  }

  public Headers headers() {
    return headers;
  }

  /** Whether this is {@link #UNPROCESSED}: the upstream never processed the attempt, so it may be sent again. */
  public boolean unprocessed() {
    return this == UNPROCESSED;
  }

  /** Whether a response arrived. */
  public boolean isResponse() {
    return kind == Kind.RESPONSE;
  }

  /** Whether this counts as an error for outlier detection and retries: no response or a 5xx. */
  public boolean isServerError() {
    return kind != Kind.RESPONSE || httpStatus >= 500;
  }

  /** Whether the failure originated locally (connect failure, reset, timeout), for split mode. */
  public boolean isLocalOrigin() {
    return kind != Kind.RESPONSE;
  }

  @Override
  public String toString() {
    return kind == Kind.RESPONSE ? "response " + httpStatus : kind.toString();
  }
}
