package io.bowline.runtime.grpc;

import io.bowline.runtime.lb.UpstreamHost;
import io.bowline.runtime.pipeline.OutboundRouter;
import io.bowline.runtime.pipeline.RoutedCall;
import io.bowline.runtime.routing.RequestEditor;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;

/**
 * One call on a {@link MeshChannel}. Routing needs the metadata, so the decision is made in
 * {@link #start}; every later method goes to the upstream call (or is ignored after a local reply).
 */
final class MeshClientCall<ReqT, RespT> extends ClientCall<ReqT, RespT> {
  private final String target;
  private final String host;
  private final int port;
  private final OutboundRouter router;
  private final EndpointChannels endpoints;
  private final MethodDescriptor<ReqT, RespT> method;
  private final CallOptions options;
  private ClientCall<ReqT, RespT> delegate;
  private boolean closedLocally;
  private Status cancelledBeforeStart;

  MeshClientCall(String target, String host, int port, OutboundRouter router, EndpointChannels endpoints,
      MethodDescriptor<ReqT, RespT> method, CallOptions options) {
    this.target = target;
    this.host = host;
    this.port = port;
    this.router = router;
    this.endpoints = endpoints;
    this.method = method;
    this.options = options;
  }

  @Override
  public void start(Listener<RespT> listener, Metadata headers) {
    if (cancelledBeforeStart != null) {
      closeLocally(listener, cancelledBeforeStart, new Metadata());
      return;
    }
    GrpcMeshRequest view = new GrpcMeshRequest(target, method.getFullMethodName(), headers);
    RoutedCall call = router.route(host, port, view);
    if (call instanceof RoutedCall.LocalReply reply) {
      closeLocally(listener, LocalReplies.status(reply), LocalReplies.trailers(reply));
      return;
    }
    if (!(call instanceof RoutedCall.Upstream upstream)) {
      delegate = endpoints.get(host, port).newCall(method, options.withAuthority(target));
      delegate.start(listener, headers);
      return;
    }
    UpstreamHost chosen = upstream.pickHost();
    if (chosen == null) {
      RoutedCall.LocalReply uh = RoutedCall.LocalReply.noHealthyUpstream();
      closeLocally(listener, LocalReplies.status(uh), LocalReplies.trailers(uh));
      return;
    }
    MethodDescriptor<ReqT, RespT> m = method;
    CallOptions o = options.withAuthority(target);
    if (upstream.mutation().changesRequest()) {
      Edits edits = new Edits(headers);
      upstream.mutation().applyToRequest(view, edits);
      if (edits.path != null) {
        m = method.toBuilder().setFullMethodName(edits.path.substring(1)).build();
      }
      if (edits.authority != null) {
        o = options.withAuthority(edits.authority);
      }
    }
    chosen.onRequestStart();
    try {
      delegate = endpoints.get(chosen.endpoint().address(), chosen.endpoint().port()).newCall(m, o);
      delegate.start(new Upstream<>(listener, upstream, chosen), headers);
    } catch (RuntimeException e) {
      chosen.onRequestEnd();
      throw e;
    }
  }

  private void closeLocally(Listener<RespT> listener, Status status, Metadata trailers) {
    closedLocally = true;
    listener.onClose(status, trailers);
  }

  @Override
  public void request(int numMessages) {
    if (delegate != null) {
      delegate.request(numMessages);
    }
  }

  @Override
  public void cancel(String message, Throwable cause) {
    if (delegate != null) {
      delegate.cancel(message, cause);
    } else if (!closedLocally) {
      cancelledBeforeStart = Status.CANCELLED.withDescription(message).withCause(cause);
    }
  }

  @Override
  public void halfClose() {
    if (delegate != null) {
      delegate.halfClose();
    }
  }

  @Override
  public void sendMessage(ReqT message) {
    if (delegate != null) {
      delegate.sendMessage(message);
    }
  }

  @Override
  public boolean isReady() {
    return delegate != null && delegate.isReady();
  }

  @Override
  public void setMessageCompression(boolean enabled) {
    if (delegate != null) {
      delegate.setMessageCompression(enabled);
    }
  }

  /** Applies response header edits and releases the endpoint's active-request count on close. */
  private static final class Upstream<RespT> extends ForwardingClientCallListener.SimpleForwardingClientCallListener<RespT> {
    private final RoutedCall.Upstream routed;
    private final UpstreamHost host;

    Upstream(ClientCall.Listener<RespT> delegate, RoutedCall.Upstream routed, UpstreamHost host) {
      super(delegate);
      this.routed = routed;
      this.host = host;
    }

    @Override
    public void onHeaders(Metadata headers) {
      if (routed.mutation().changesResponse()) {
        routed.mutation().applyToResponse(new MetadataEditor(headers));
      }
      super.onHeaders(headers);
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      host.onRequestEnd();
      super.onClose(status, trailers);
    }
  }

  /** Request edits: headers go into the metadata, path and authority are kept for the call. */
  private static final class Edits extends MetadataEditor implements RequestEditor {
    String path;
    String authority;

    Edits(Metadata headers) {
      super(headers);
    }

    @Override
    public void path(String rawPath) {
      path = rawPath;
    }

    @Override
    public void authority(String a) {
      authority = a;
    }
  }
}
