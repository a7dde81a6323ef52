package io.bowline.runtime.adapter.grpc;

import io.grpc.Metadata;
import io.grpc.Status;

/**
 * Tells an attempt the upstream never processed (gRFC A6) from the status grpc-netty closes it with. The mesh's
 * endpoint channels run with grpc-java's retry off (its {@code RetriableStream} costs every call), and without it
 * grpc-java drops the {@code RpcProgress} it knows ({@code REFUSED}, {@code MISCARRIED}) before the listener: the
 * status is the only public trace. grpc-netty (read in 1.85) makes these statuses itself, code {@code UNAVAILABLE},
 * no cause, empty trailers, and a description that names the case:
 * <ul>
 *   <li>{@code "RST_STREAM closed stream. HTTP/2 error code: REFUSED_STREAM"}: the upstream refused the stream
 *       (HTTP/2 §8.7: it was not processed); grpc-java's {@code REFUSED};
 *   <li>{@code "Abrupt GOAWAY closed sent stream. HTTP/2 error code: NO_ERROR..."}: a GOAWAY's last stream id is
 *       below the stream's; grpc-java's {@code REFUSED} for {@code NO_ERROR} only (with another error code it
 *       assumes {@code PROCESSED}, and so does the mesh);
 *   <li>{@code "Abrupt GOAWAY closed unsent stream..."}, {@code "GOAWAY closed buffered stream..."} and
 *       {@code "GOAWAY shut down transport..."} (a stream started on a connection a GOAWAY already closed): the
 *       stream never left the client; grpc-java's {@code MISCARRIED}.
 * </ul>
 * A status the upstream sent (trailers-only, or relayed by a gRPC proxy) comes with trailers (at least its
 * {@code content-type}), so it is never taken for one of these. A grpc-java that words them differently makes
 * them plain {@code UNAVAILABLE} failures again (the route's retry policy decides), never a replay of a processed
 * request.
 */
final class UnprocessedStreams {
  private UnprocessedStreams() {}

  /** Whether grpc-netty closed the stream with {@code status} and {@code trailers} before the upstream processed it. */
  static boolean unprocessed(Status status, Metadata trailers) {
    if (status.getCode() != Status.Code.UNAVAILABLE || status.getCause() != null) {
      return false;
    }
    String d = status.getDescription();
    if (d == null || trailers != null && !trailers.keys().isEmpty()) {
      return false;
    }
    if (d.startsWith("RST_STREAM closed stream")) {
      return d.contains("HTTP/2 error code: REFUSED_STREAM");
    }
    if (d.startsWith("Abrupt GOAWAY closed sent stream")) {
      return d.contains("HTTP/2 error code: NO_ERROR");
    }
    return d.startsWith("Abrupt GOAWAY closed unsent stream") || d.startsWith("GOAWAY closed buffered stream")
        || d.startsWith("GOAWAY shut down transport");
  }
}
