package io.bowline.runtime.xds;

import com.google.protobuf.Message;

/**
 * The bidirectional gRPC streams one xDS server is reached by: the seam under the xDS client, as
 * grpc-java's {@code XdsTransportFactory.XdsTransport}. The client above it (subscriptions, decoding,
 * ACK/NACK, reconnect backoff, gRFC A71 fallback) is the same whatever carries the stream; the default
 * transport is grpc-java's {@code ManagedChannel}, and a process may plug in another through
 * {@link XdsTransportFactory}.
 *
 * <p>A transport is used from the xDS client's config executor; its callbacks may run on any thread.
 */
public interface XdsTransport extends AutoCloseable {

  /**
   * Starts the bidirectional streaming RPC {@code fullMethodName} and asks for its first response.
   *
   * @param fullMethodName the gRPC method, {@code package.Service/Method}, e.g.
   *     {@code envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources}
   * @param requestPrototype the request type's default instance (its marshaller)
   * @param responsePrototype the response type's default instance (its parser)
   * @param listener told of each response and, once, of the stream's end
   * @return the stream, on which requests are sent in order
   */
  <Q extends Message, R extends Message> StreamingCall<Q> start(String fullMethodName, Q requestPrototype,
      R responsePrototype, Listener<R> listener);

  /**
   * Runs {@code onReachable} once, as soon as a connection to the server is (or becomes) established; the
   * transport keeps trying, with gRPC's connection backoff, until it is or the transport is closed. The xDS
   * client watches its primary server so while on a fallback one (gRFC A71).
   */
  void whenReachable(Runnable onReachable);

  /** Closes the connections; streams still open end with {@code UNAVAILABLE} or {@code CANCELLED}. */
  @Override
  void close();

  /**
   * One open stream.
   *
   * @param <Q> the request message
   */
  interface StreamingCall<Q> {
    /** Sends {@code request} (buffered in order if the stream is not open yet). */
    void send(Q request);

    /** Asks for one more response: responses are delivered one per request (inbound flow control). */
    void requestNext();

    /** Cancels the stream (HTTP/2 {@code RST_STREAM CANCEL}); the listener hears {@code CANCELLED}. */
    void cancel(String reason);
  }

  /**
   * What a stream tells its owner.
   *
   * @param <R> the response message
   */
  interface Listener<R> {
    /** A response arrived; the next one is delivered after {@link StreamingCall#requestNext()}. */
    void onMessage(R response);

    /**
     * The stream ended, once, with a gRPC status.
     *
     * @param code the gRPC status code's name, e.g. {@code UNAVAILABLE}, {@code OK} for a server that
     *     completed the stream
     * @param description what the server or the transport said, or null
     */
    void onClosed(String code, String description);
  }
}
