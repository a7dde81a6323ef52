package io.bowline.runtime.adapter.grpc;

import io.grpc.Status;

/**
 * The two status tables the gRPC adapter needs: HTTP to gRPC (gRPC's
 * {@code http-grpc-status-mapping.md}, used for local replies and fault {@code http_status}
 * aborts, gRFC A33) and gRPC to HTTP (Envoy's {@code Grpc::Utility::grpcToHttpStatus}, used to
 * feed gRPC outcomes to outlier detection as Envoy's router does).
 */
final class GrpcStatuses {
  private GrpcStatuses() {}

  /**
   * 400 INTERNAL, 401 UNAUTHENTICATED, 403 PERMISSION_DENIED, 404 UNIMPLEMENTED,
   * 429/502/503/504 UNAVAILABLE, anything else (200 included) UNKNOWN.
   */
  static Status.Code fromHttp(int status) {
    return Status.fromCodeValue(io.bowline.runtime.pipeline.LocalResponse.grpcStatusOf(status)).getCode();
  }

  /** The HTTP status Envoy attributes to a gRPC status (OK 200, UNAVAILABLE 503, INTERNAL 500...). */
  static int toHttp(Status.Code code) {
    switch (code) {
      case OK:
        return 200;
      case CANCELLED:
        return 499;
      case INVALID_ARGUMENT:
      case FAILED_PRECONDITION:
      case OUT_OF_RANGE:
        return 400;
      case DEADLINE_EXCEEDED:
        return 504;
      case NOT_FOUND:
        return 404;
      case ALREADY_EXISTS:
      case ABORTED:
        return 409;
      case PERMISSION_DENIED:
        return 403;
      case RESOURCE_EXHAUSTED:
        return 429;
      case UNIMPLEMENTED:
        return 501;
      case UNAVAILABLE:
        return 503;
      case UNAUTHENTICATED:
        return 401;
      case UNKNOWN:
      case INTERNAL:
      case DATA_LOSS:
      default:
        return 500;
    }
  }
}
