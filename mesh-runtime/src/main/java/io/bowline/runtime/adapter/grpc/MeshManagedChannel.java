package io.bowline.runtime.adapter.grpc;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A mesh {@link io.grpc.Channel} with {@link ManagedChannel}'s lifecycle, as grpc-java's own channels have it:
 * after {@link #shutdown()} new calls fail with UNAVAILABLE and the channel terminates once the calls
 * started before have closed; {@link #shutdownNow()} also cancels those. Calls are counted from
 * {@code start} to the listener's {@code onClose}: each {@link MeshClientCall} reports both to its channel itself
 * ({@link #started}, {@link #finished}), so a call is one object, not a wrapper around one with a wrapped listener.
 * Holds no lock while calling into a call or a listener.
 */
final class MeshManagedChannel extends ManagedChannel {
  /** What a call started after {@link #shutdown()} closes with. */
  static final Status SHUT_DOWN = Status.UNAVAILABLE.withDescription("Channel shutdown invoked");

  private final MeshChannel mesh;
  private final Set<MeshClientCall<?, ?>> active = ConcurrentHashMap.newKeySet();
  private final CountDownLatch terminated = new CountDownLatch(1);
  private volatile boolean shutdown;

  MeshManagedChannel(MeshChannel mesh) {
    this.mesh = mesh;
  }

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> newCall(MethodDescriptor<ReqT, RespT> method, CallOptions options) {
    return mesh.newCall(method, options, this);
  }

  /**
   * Counts {@code call}, which is starting; returns {@code false} (and does not count it) when the channel is shut
   * down: the call then closes with {@link #SHUT_DOWN} without a stream.
   */
  boolean started(MeshClientCall<?, ?> call) {
    active.add(call);
    if (shutdown) { // read after the insertion: see shutdown()
      finished(call);
      return false;
    }
    return true;
  }

  /** {@code call}'s listener has had its {@code onClose}. */
  void finished(MeshClientCall<?, ?> call) {
    if (active.remove(call)) {
      terminateIfIdle();
    }
  }

  @Override
  public String authority() {
    return mesh.authority();
  }

  @Override
  public ManagedChannel shutdown() {
    shutdown = true;
    terminateIfIdle();
    return this;
  }

  @Override
  public ManagedChannel shutdownNow() {
    shutdown();
    for (MeshClientCall<?, ?> call : active) {
      call.cancel("Channel shutdownNow invoked", null);
    }
    return this;
  }

  @Override
  public boolean isShutdown() {
    return shutdown;
  }

  @Override
  public boolean isTerminated() {
    return terminated.getCount() == 0;
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    return terminated.await(timeout, unit);
  }

  private void terminateIfIdle() {
    if (shutdown && active.isEmpty()) {
      terminated.countDown();
    }
  }

  @Override
  public String toString() {
    return "MeshManagedChannel{" + mesh + (shutdown ? ", shutdown" : "") + "}";
  }
}
