package io.bowline.runtime.xds;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiConsumer;

/**
 * One ADS stream, state of the world or delta. Its callbacks hop onto the config executor; the
 * next response is requested only after the current one was handled (flow control). All methods
 * are called on the config executor.
 *
 * @param <Q> request message
 * @param <R> response message
 */
abstract class AdsStream<Q, R> implements ClientResponseObserver<Q, R> {
  private final Executor executor;
  private final BiConsumer<AdsStream<?, ?>, R> onResponse;
  private final BiConsumer<AdsStream<?, ?>, Status> onClosed;
  protected ClientCallStreamObserver<Q> requests;
  private boolean nodeSent;
  private boolean responded;

  AdsStream(Executor executor, BiConsumer<AdsStream<?, ?>, R> onResponse,
      BiConsumer<AdsStream<?, ?>, Status> onClosed) {
    this.executor = executor;
    this.onResponse = onResponse;
    this.onClosed = onClosed;
  }

  /** Starts the RPC on {@code channel}. */
  abstract void open(ManagedChannel channel);

  /** Tells the server the type's current subscription (and, first on a stream, what is cached). */
  abstract void subscribe(TypeState s);

  /** ACKs the last response of the type. */
  abstract void ack(TypeState s);

  /** NACKs the last response of the type. */
  abstract void nack(TypeState s, com.google.rpc.Status error);

  abstract boolean isDelta();

  /** Whether a response arrived on this stream. */
  final boolean responded() {
    return responded;
  }

  /** True once per stream: the request being built is the first and must carry the node. */
  final boolean takeNodeTurn() {
    if (nodeSent) {
      return false;
    }
    nodeSent = true;
    return true;
  }

  final void cancel() {
    if (requests != null) {
      requests.cancel("client closed", null);
    }
  }

  @Override
  public final void beforeStart(ClientCallStreamObserver<Q> requestStream) {
    this.requests = requestStream;
    requestStream.disableAutoRequestWithInitial(1);
  }

  @Override
  public final void onNext(R response) {
    execute(() -> {
      responded = true;
      onResponse.accept(this, response);
      requests.request(1);
    });
  }

  @Override
  public final void onError(Throwable t) {
    execute(() -> onClosed.accept(this, Status.fromThrowable(t)));
  }

  @Override
  public final void onCompleted() {
    execute(() -> onClosed.accept(this, Status.UNAVAILABLE.withDescription("server closed the stream")));
  }

  private void execute(Runnable r) {
    try {
      executor.execute(r);
    } catch (RejectedExecutionException closing) {
      // the client is closing; nothing to do
    }
  }
}
