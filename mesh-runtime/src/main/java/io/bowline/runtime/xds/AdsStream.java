package io.bowline.runtime.xds;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiConsumer;

/**
 * One ADS stream, state of the world or delta, on an {@link XdsTransport}. Its callbacks hop onto the
 * config executor; the next response is requested only after the current one was handled (flow
 * control). All methods are called on the config executor.
 *
 * @param <Q> request message
 * @param <R> response message
 */
abstract class AdsStream<Q, R> implements XdsTransport.Listener<R> {
  /** gRPC service of both ADS methods. */
  static final String ADS_SERVICE = "envoy.service.discovery.v3.AggregatedDiscoveryService/";

  private final Executor executor;
  private final BiConsumer<AdsStream<?, ?>, R> onResponse;
  private final BiConsumer<AdsStream<?, ?>, String> onClosed;
  private XdsTransport.StreamingCall<Q> requests;
  private boolean nodeSent;
  private boolean responded;

  /**
   * @param onClosed told, on the config executor, of the stream's end: {@code CODE: description}
   */
  AdsStream(Executor executor, BiConsumer<AdsStream<?, ?>, R> onResponse,
      BiConsumer<AdsStream<?, ?>, String> onClosed) {
    this.executor = executor;
    this.onResponse = onResponse;
    this.onClosed = onClosed;
  }

  /** Starts the RPC on {@code transport}. */
  abstract void open(XdsTransport transport);

  /** Tells the server the type's current subscription (and, first on a stream, what is cached). */
  abstract void subscribe(TypeState s);

  /** ACKs the last response of the type. */
  abstract void ack(TypeState s);

  /** NACKs the last response of the type. */
  abstract void nack(TypeState s, com.google.rpc.Status error);

  abstract boolean isDelta();

  /** Keeps the stream {@link #open} started. */
  final void started(XdsTransport.StreamingCall<Q> call) {
    this.requests = call;
  }

  final void send(Q request) {
    requests.send(request);
  }

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
      requests.cancel("client closed");
    }
  }

  @Override
  public final void onMessage(R response) {
    execute(() -> {
      responded = true;
      onResponse.accept(this, response);
      requests.requestNext();
    });
  }

  @Override
  public final void onClosed(String code, String description) {
    String why = code.equals("OK") ? "UNAVAILABLE: server closed the stream" : code + ": " + description;
    execute(() -> onClosed.accept(this, why));
  }

  private void execute(Runnable r) {
    try {
      executor.execute(r);
    } catch (RejectedExecutionException closing) {
      // the client is closing; nothing to do
    }
  }
}
