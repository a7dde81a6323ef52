package io.bowline.spring.grpc;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A mesh channel whose calls pass through client interceptors; the lifecycle is the mesh channel's. */
final class InterceptedChannel extends ManagedChannel {
  private final ManagedChannel channel;
  private final Channel intercepted;

  /** @param interceptors applied as {@link ClientInterceptors#intercept(Channel, List)} applies them */
  InterceptedChannel(ManagedChannel channel, List<ClientInterceptor> interceptors) {
    this.channel = channel;
    this.intercepted = ClientInterceptors.intercept(channel, interceptors);
  }

  @Override
  public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions options) {
    return intercepted.newCall(method, options);
  }

  @Override
  public String authority() {
    return channel.authority();
  }

  @Override
  public ManagedChannel shutdown() {
    channel.shutdown();
    return this;
  }

  @Override
  public boolean isShutdown() {
    return channel.isShutdown();
  }

  @Override
  public boolean isTerminated() {
    return channel.isTerminated();
  }

  @Override
  public ManagedChannel shutdownNow() {
    channel.shutdownNow();
    return this;
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    return channel.awaitTermination(timeout, unit);
  }

  @Override
  public ConnectivityState getState(boolean requestConnection) {
    return channel.getState(requestConnection);
  }
}
