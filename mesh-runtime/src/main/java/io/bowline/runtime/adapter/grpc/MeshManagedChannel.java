package io.bowline.runtime.adapter.grpc;

import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A mesh {@link Channel} with {@link ManagedChannel}'s lifecycle, as grpc-java's own channels have it:
 * after {@link #shutdown()} new calls fail with UNAVAILABLE and the channel terminates once the calls
 * started before have closed; {@link #shutdownNow()} also cancels those. Calls are counted from
 * {@code start} to the listener's {@code onClose}. Holds no lock while calling into a call or a listener.
 */
final class MeshManagedChannel extends ManagedChannel {
  private final Channel mesh;
  private final Set<TrackedCall<?, ?>> active = ConcurrentHashMap.newKeySet();
  private final CountDownLatch terminated = new CountDownLatch(1);
  private volatile boolean shutdown;

  MeshManagedChannel(Channel mesh) {
    this.mesh = mesh;
  }

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> newCall(MethodDescriptor<ReqT, RespT> method, CallOptions options) {
    return new TrackedCall<>(shutdown ? null : mesh.newCall(method, options));
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
    for (TrackedCall<?, ?> call : active) {
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

  private static final Status SHUT_DOWN = Status.UNAVAILABLE.withDescription("Channel shutdown invoked");

  /** A call counted while it runs; one made or started after shutdown fails at start without a stream. */
  private final class TrackedCall<ReqT, RespT> extends ForwardingClientCall<ReqT, RespT> {
    private final ClientCall<ReqT, RespT> delegate; // null: made after shutdown
    private volatile boolean failed;

    TrackedCall(ClientCall<ReqT, RespT> delegate) {
      this.delegate = delegate;
    }

    @Override
    protected ClientCall<ReqT, RespT> delegate() {
      return delegate;
    }

    @Override
    public void start(Listener<RespT> listener, Metadata headers) {
      active.add(this);
      if (delegate == null || shutdown) { // read after the insertion: see shutdown()
        failed = true;
        finished();
        listener.onClose(SHUT_DOWN, new Metadata());
        return;
      }
      try {
        delegate.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
          @Override
          public void onClose(Status status, Metadata trailers) {
            try {
              super.onClose(status, trailers);
            } finally {
              finished();
            }
          }
        }, headers);
      } catch (RuntimeException | Error e) {
        finished();
        throw e;
      }
    }

    private void finished() {
      if (active.remove(this)) {
        terminateIfIdle();
      }
    }

    @Override
    public void request(int numMessages) {
      if (!failed && delegate != null) {
        delegate.request(numMessages);
      }
    }

    @Override
    public void cancel(String message, Throwable cause) {
      if (!failed && delegate != null) {
        delegate.cancel(message, cause);
      }
    }

    @Override
    public void halfClose() {
      if (!failed && delegate != null) {
        delegate.halfClose();
      }
    }

    @Override
    public void sendMessage(ReqT message) {
      if (!failed && delegate != null) {
        delegate.sendMessage(message);
      }
    }

    @Override
    public boolean isReady() {
      return !failed && delegate != null && delegate.isReady();
    }

    @Override
    public Attributes getAttributes() {
      return failed || delegate == null ? Attributes.EMPTY : delegate.getAttributes();
    }

    @Override
    public void setMessageCompression(boolean enabled) {
      if (!failed && delegate != null) {
        delegate.setMessageCompression(enabled);
      }
    }
  }
}
