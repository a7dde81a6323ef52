package io.bowline.runtime.xds;

import com.google.protobuf.Message;
import io.bowline.runtime.bootstrap.ServerInfo;
import io.bowline.runtime.bootstrap.UnixSocketUri;
import io.grpc.CallOptions;
import io.grpc.ChannelCredentials;
import io.grpc.ClientCall;
import io.grpc.ConnectivityState;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import io.grpc.protobuf.ProtoUtils;
import java.util.concurrent.TimeUnit;

/**
 * The default {@link XdsTransport}: a grpc-java {@link ManagedChannel} to the server ({@code insecure} or
 * {@code tls} channel credentials, {@code unix:} targets through grpc-netty's epoll channel), with
 * grpc-java's name resolution and reconnect backoff.
 */
final class GrpcXdsTransport implements XdsTransport {
  private final ManagedChannel channel;

  GrpcXdsTransport(ServerInfo server) {
    ChannelCredentials creds = server.channelCredsType().equals("tls")
        ? TlsChannelCredentials.create() : InsecureChannelCredentials.create();
    // unix:///abs/path (Istio's grpc-agent): grpc-netty's own unix resolver and epoll channel take it
    String target = UnixSocketUri.isUnix(server.serverUri())
        ? UnixSocketUri.grpcTarget(UnixSocketUri.path(server.serverUri())) : server.serverUri();
    this.channel = Grpc.newChannelBuilder(target, creds).build();
  }

  @Override
  public <Q extends Message, R extends Message> StreamingCall<Q> start(String fullMethodName,
      Q requestPrototype, R responsePrototype, Listener<R> listener) {
    MethodDescriptor<Q, R> method = MethodDescriptor.<Q, R>newBuilder()
        .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
        .setFullMethodName(fullMethodName)
        .setRequestMarshaller(ProtoUtils.marshaller(requestPrototype))
        .setResponseMarshaller(ProtoUtils.marshaller(responsePrototype))
        .build();
    ClientCall<Q, R> call = channel.newCall(method, CallOptions.DEFAULT);
    call.start(new ClientCall.Listener<>() {
      @Override
      public void onMessage(R message) {
        listener.onMessage(message);
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        listener.onClosed(status.getCode().name(), status.getDescription());
      }
    }, new Metadata());
    call.request(1);
    return new StreamingCall<>() {
      @Override
      public void send(Q request) {
        call.sendMessage(request);
      }

      @Override
      public void requestNext() {
        call.request(1);
      }

      @Override
      public void cancel(String reason) {
        call.cancel(reason, null);
      }
    };
  }

  @Override
  public void whenReachable(Runnable onReachable) {
    ConnectivityState state = channel.getState(true);
    if (state == ConnectivityState.READY) {
      onReachable.run();
    } else if (state != ConnectivityState.SHUTDOWN) {
      channel.notifyWhenStateChanged(state, () -> whenReachable(onReachable));
    }
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
