package io.bowline.proxy.outbound;

import io.bowline.runtime.pipeline.LocalResponse;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * What a listener that forwards to the local application checks and adds before a request goes on: the inbound
 * listener's authorization (AuthorizationPolicy as RBAC filters) and connection headers
 * ({@code x-forwarded-client-cert}). Called once per request, on the connection's event loop, after the request's
 * body was buffered (or started streaming) and before anything is sent to the application.
 */
@FunctionalInterface
public interface RequestGuard {
  /**
   * Admits a request or answers it.
   *
   * @param connection the downstream connection (for an HTTP/2 stream, its connection, not the stream)
   * @param method the request method
   * @param path the request target's path and query
   * @param authority the request's authority ({@code Host})
   * @param headers the request's headers, which the guard may edit (they are forwarded as edited)
   * @return {@code null} to forward the request, else the local reply to answer it with (never forwarded)
   */
  LocalResponse admit(Channel connection, String method, String path, String authority, HttpHeaders headers);

  /**
   * What the guard keeps of a request's headers for {@link #answered} before {@link #admit} edits them (the
   * inbound listener: Istio's {@code x-envoy-peer-metadata}, which the application never sees). Nothing by default.
   *
   * @param headers the request's headers as received
   * @return the value handed back in {@link Answered#kept}, or {@code null}
   */
  default String keep(HttpHeaders headers) {
    return null;
  }

  /**
   * A request of the listener was answered (admitted and forwarded, or answered by {@link #admit}), once, on the
   * connection's event loop: for the inbound listener's metrics ({@code reporter="destination"}). Does nothing by
   * default.
   *
   * @param connection the downstream connection (for an HTTP/2 stream, its connection)
   * @param answered the request and its answer
   */
  default void answered(Channel connection, Answered answered) {}

  /**
   * One answered request.
   *
   * @param headers the request's headers as forwarded
   * @param kept what {@link #keep} returned for the request, or {@code null}
   * @param authority the request's authority ({@code Host})
   * @param grpc whether it was a gRPC call
   * @param status the response's HTTP status
   * @param grpcStatus the response's {@code grpc-status}, or -1
   * @param flags Envoy's response flags of the answer, or {@code ""}
   * @param durationNanos from the request's head to the response's end, in nanoseconds
   * @param requestBytes the request body's size in bytes
   * @param responseBytes the response body's size in bytes
   */
  record Answered(HttpHeaders headers, String kept, String authority, boolean grpc, int status, int grpcStatus, String flags,
      long durationNanos, long requestBytes, long responseBytes) {}
}
