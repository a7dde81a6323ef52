package io.bowline.runtime.pipeline;

import io.bowline.api.filter.ExchangeResponse;
import java.util.Locale;
import java.util.Map;

/**
 * A response the mesh produced (Envoy's local reply): adapters turn it into an HTTP response or a
 * gRPC status.
 *
 * @param status HTTP status
 * @param responseFlags Envoy response flags, {@code ""} when none
 * @param body body text (the gRPC status description)
 * @param headers response headers, lower-case names (a redirect's {@code location},
 *     {@code x-envoy-overloaded})
 * @param grpcStatus the gRPC status to answer a gRPC call with (a fault's {@code grpc_status}), or
 *     -1 to map {@code status}
 * @param cause the last transport failure, or {@code null}
 */
public record LocalResponse(int status, String responseFlags, String body, Map<String, String> headers,
    int grpcStatus, Exception cause) implements ExchangeResponse {
  /** Envoy's header on circuit-breaker overflow replies. */
  public static final String OVERLOADED_HEADER = "x-envoy-overloaded";

  public LocalResponse {
    headers = Map.copyOf(headers);
  }

  /** A reply with no headers, gRPC status or cause. */
  public static LocalResponse of(int status, String responseFlags, String body) {
    return new LocalResponse(status, responseFlags, body, Map.of(), -1, null);
  }

  /** The routing decision's local reply ({@code NR}, {@code NC}, a direct response or redirect). */
  public static LocalResponse of(RoutedCall.LocalReply reply) {
    return new LocalResponse(reply.status(), reply.responseFlags(), reply.body(), reply.headers(), -1, null);
  }

  /** This reply with {@code flags} before its own. */
  public LocalResponse withFlagsBefore(String flags) {
    if (flags.isEmpty()) {
      return this;
    }
    return new LocalResponse(status, io.bowline.runtime.pipeline.ResponseFlags.join(flags, responseFlags), body,
        headers, grpcStatus, cause);
  }

  /**
   * The gRPC status code of this reply to a gRPC call: its {@code grpcStatus}, else
   * {@link #grpcStatusOf} its HTTP status.
   */
  public int grpcStatusCode() {
    return grpcStatus >= 0 ? grpcStatus : grpcStatusOf(status);
  }

  /**
   * The HTTP-to-gRPC status mapping of gRPC's {@code http-grpc-status-mapping.md}, which Envoy's
   * {@code Grpc::Utility::httpToGrpcStatus} implements: 400 INTERNAL (13), 401 UNAUTHENTICATED
   * (16), 403 PERMISSION_DENIED (7), 404 UNIMPLEMENTED (12), 429/502/503/504 UNAVAILABLE (14),
   * anything else UNKNOWN (2).
   */
  public static int grpcStatusOf(int httpStatus) {
    switch (httpStatus) {
      case 400:
        return 13;
      case 401:
        return 16;
      case 403:
        return 7;
      case 404:
        return 12;
      case 429:
      case 502:
      case 503:
      case 504:
        return 14;
      default:
        return 2;
    }
  }

  @Override
  public String header(String name) {
    return headers.get(name.toLowerCase(Locale.ROOT));
  }

  @Override
  public boolean local() {
    return true;
  }
}
