package io.bowline.controlplane.server;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Gives every request of an xDS stream the {@code node} of the stream's first request.
 *
 * <p>xDS clients may send {@code node} on the first request of a stream only: proxyless gRPC and
 * Bowline's runtime always do, Envoy does with {@code set_node_on_first_message_only}; the server is
 * to remember it for the stream, as istiod does. java-control-plane's cache instead groups each
 * request by the node it carries, so without this every request after the first (ACKs, RDS and EDS
 * subscriptions) was answered from the snapshot of a node without metadata, the default client
 * view, instead of the client's own view (its namespace, labels and locality).
 */
final class StreamNodeInterceptor implements ServerInterceptor {

  @Override
  public <Q, A> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
      /** The node of the stream's first request that had one; messages of one call arrive one at a time. */
      private Node node;

      @Override
      @SuppressWarnings("unchecked")
      public void onMessage(Q message) {
        super.onMessage((Q) withStreamNode(message));
      }

      private Object withStreamNode(Object message) {
        if (message instanceof DiscoveryRequest request) {
          if (request.hasNode()) {
            node = request.getNode();
          } else if (node != null) {
            return request.toBuilder().setNode(node).build();
          }
        } else if (message instanceof DeltaDiscoveryRequest request) {
          if (request.hasNode()) {
            node = request.getNode();
          } else if (node != null) {
            return request.toBuilder().setNode(node).build();
          }
        }
        return message;
      }
    };
  }
}
