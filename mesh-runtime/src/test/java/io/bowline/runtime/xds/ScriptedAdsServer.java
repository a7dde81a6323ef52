package io.bowline.runtime.xds;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A state-of-the-world ADS server on loopback that the test drives by hand: it records every
 * request and sends exactly the responses the test scripts, including what a well-behaved server
 * never sends (undecodable bytes, unrequested types, odd nonces). One stream at a time.
 */
final class ScriptedAdsServer implements AutoCloseable {
  private final BlockingQueue<DiscoveryRequest> requests = new LinkedBlockingQueue<>();
  private final BlockingQueue<StreamObserver<DiscoveryResponse>> streams = new LinkedBlockingQueue<>();
  private final BlockingQueue<DeltaDiscoveryRequest> deltaRequests = new LinkedBlockingQueue<>();
  private final BlockingQueue<StreamObserver<DeltaDiscoveryResponse>> deltaStreams = new LinkedBlockingQueue<>();
  private volatile StreamObserver<DeltaDiscoveryResponse> currentDelta;
  private final Server server;
  private volatile StreamObserver<DiscoveryResponse> current;
  private final java.util.concurrent.atomic.AtomicInteger open = new java.util.concurrent.atomic.AtomicInteger();
  private final java.util.concurrent.atomic.AtomicInteger opened = new java.util.concurrent.atomic.AtomicInteger();

  ScriptedAdsServer() throws IOException {
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase() {
          @Override
          public StreamObserver<DiscoveryRequest> streamAggregatedResources(
              StreamObserver<DiscoveryResponse> responses) {
            streams.add(responses);
            open.incrementAndGet();
            opened.incrementAndGet();
            return new StreamObserver<>() {
              @Override
              public void onNext(DiscoveryRequest r) {
                requests.add(r);
              }

              @Override
              public void onError(Throwable t) {
                open.decrementAndGet();
              }

              @Override
              public void onCompleted() {
                open.decrementAndGet();
                responses.onCompleted();
              }
            };
          }

          @Override
          public StreamObserver<DeltaDiscoveryRequest> deltaAggregatedResources(
              StreamObserver<DeltaDiscoveryResponse> responses) {
            deltaStreams.add(responses);
            return new StreamObserver<>() {
              @Override
              public void onNext(DeltaDiscoveryRequest r) {
                deltaRequests.add(r);
              }

              @Override
              public void onError(Throwable t) {}

              @Override
              public void onCompleted() {
                responses.onCompleted();
              }
            };
          }
        })
        .build()
        .start();
  }

  /** Streams open now. */
  int openStreams() {
    return open.get();
  }

  /** Streams opened since the start. */
  int streamsOpened() {
    return opened.get();
  }

  String address() {
    return "127.0.0.1:" + server.getPort();
  }

  /** Waits for the client to open a stream; later responses go to it. */
  void awaitStream() throws InterruptedException {
    StreamObserver<DiscoveryResponse> s = streams.poll(10, TimeUnit.SECONDS);
    if (s == null) {
      throw new AssertionError("the client opened no ADS stream within 10 s");
    }
    current = s;
  }

  /** The next request of {@code typeUrl}, skipping others; fails after 10 s. */
  DiscoveryRequest next(String typeUrl) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      DiscoveryRequest r = requests.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      if (r == null) {
        throw new AssertionError("no " + typeUrl + " request within 10 s");
      }
      if (r.getTypeUrl().equals(typeUrl)) {
        return r;
      }
    }
  }

  /** Waits for the client to open a delta stream; later delta responses go to it. */
  void awaitDeltaStream() throws InterruptedException {
    StreamObserver<DeltaDiscoveryResponse> s = deltaStreams.poll(10, TimeUnit.SECONDS);
    if (s == null) {
      throw new AssertionError("the client opened no delta ADS stream within 10 s");
    }
    currentDelta = s;
  }

  /** The next delta request of {@code typeUrl}, skipping others; fails after 10 s. */
  DeltaDiscoveryRequest nextDelta(String typeUrl) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      DeltaDiscoveryRequest r = deltaRequests.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      if (r == null) {
        throw new AssertionError("no delta " + typeUrl + " request within 10 s");
      }
      if (r.getTypeUrl().equals(typeUrl)) {
        return r;
      }
    }
  }

  void sendDelta(DeltaDiscoveryResponse response) {
    currentDelta.onNext(response);
  }

  /** Requests received and not yet consumed by {@link #next}. */
  List<DiscoveryRequest> pending() {
    return List.copyOf(requests);
  }

  void send(String typeUrl, String version, String nonce, Any... resources) {
    current.onNext(DiscoveryResponse.newBuilder()
        .setTypeUrl(typeUrl).setVersionInfo(version).setNonce(nonce)
        .addAllResources(List.of(resources))
        .build());
  }

  static Any any(Message m) {
    return Any.pack(m);
  }

  /** An Any of the right type whose bytes do not decode. */
  static Any garbage(String typeUrl) {
    return Any.newBuilder().setTypeUrl(typeUrl).setValue(ByteString.copyFrom(new byte[] {0x0a, 0x7f, 0x01})).build();
  }

  /** Ends the current stream with an error, as a crashing server would. */
  void breakStream() {
    current.onError(io.grpc.Status.UNAVAILABLE.withDescription("scripted failure").asRuntimeException());
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
  }
}
