package io.bowline.runtime.adapter.grpc;

import io.bowline.runtime.pipeline.LocalResponse;
import io.bowline.runtime.pipeline.RoutedCall;
import io.grpc.Metadata;
import io.grpc.Status;

/**
 * Envoy local replies as gRPC statuses, with the HTTP-to-gRPC mapping of the gRPC spec
 * ({@code http-grpc-status-mapping.md}): 400 INTERNAL, 401 UNAUTHENTICATED, 403 PERMISSION_DENIED,
 * 404 UNIMPLEMENTED, 429/502/503/504 UNAVAILABLE, anything else UNKNOWN; except that no route
 * ({@code NR}) is UNAVAILABLE, as gRFC A28 says, a timeout ({@code UT}) is DEADLINE_EXCEEDED, and a
 * fault abort ({@code FI}) is its {@code grpc_status} or its mapped {@code http_status} (gRFC A33).
 * The response flags go in trailer {@value #RESPONSE_FLAGS}; a redirect's {@code location} too.
 */
final class LocalReplies {
  /** Trailer carrying Envoy response flags on local replies. */
  static final String RESPONSE_FLAGS = "x-bowline-response-flags";

  private LocalReplies() {}

  static Status status(RoutedCall.LocalReply reply) {
    return status(LocalResponse.of(reply));
  }

  static Metadata trailers(RoutedCall.LocalReply reply) {
    return trailers(LocalResponse.of(reply));
  }

  static Status status(LocalResponse reply) {
    String flags = reply.responseFlags();
    if (flags.endsWith("FI")) { // a fault abort: the status it names, described as Envoy's fault filter does
      Status s = reply.grpcStatus() >= 0
          ? Status.fromCodeValue(reply.grpcStatus()) : Status.fromCode(GrpcStatuses.fromHttp(reply.status()));
      return s.isOk() ? s : s.withDescription(reply.body());
    }
    Status.Code code;
    if (flags.equals("NR")) {
      // gRFC A28: no matching virtual host or route fails the RPC with UNAVAILABLE.
      code = Status.Code.UNAVAILABLE;
    } else if (flags.startsWith("UT")) {
      code = Status.Code.DEADLINE_EXCEEDED;
    } else if (reply.grpcStatus() >= 0) {
      code = Status.fromCodeValue(reply.grpcStatus()).getCode();
    } else {
      code = GrpcStatuses.fromHttp(reply.status());
    }
    String f = flags.isEmpty() ? "" : " (" + flags + ")";
    String body = reply.body().isEmpty() ? "" : ": " + reply.body();
    return Status.fromCode(code).withDescription("mesh local reply: HTTP " + reply.status() + f + body)
        .withCause(reply.cause());
  }

  static Metadata trailers(LocalResponse reply) {
    Metadata trailers = new Metadata();
    if (!reply.responseFlags().isEmpty()) {
      trailers.put(Metadata.Key.of(RESPONSE_FLAGS, Metadata.ASCII_STRING_MARSHALLER), reply.responseFlags());
    }
    reply.headers().forEach((k, v) -> trailers.put(Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER), v));
    return trailers;
  }
}
