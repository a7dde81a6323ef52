package io.bowline.runtime.grpc;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One plaintext grpc-netty {@link ManagedChannel} per endpoint {@code address:port}, shared by
 * every mesh channel of a client and created on first use. {@link #close()} shuts them all down,
 * giving calls in flight up to 5 s in total before cancelling them.
 */
public final class EndpointChannels implements AutoCloseable {
  private final ConcurrentHashMap<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /**
   * The channel to {@code address:port}.
   *
   * @throws IllegalStateException after {@link #close()}
   */
  public ManagedChannel get(String address, int port) {
    if (closed) {
      throw new IllegalStateException("mesh client is closed");
    }
    String key = address.indexOf(':') >= 0 ? "[" + address + "]:" + port : address + ":" + port;
    return channels.computeIfAbsent(key, k -> NettyChannelBuilder.forAddress(address, port).usePlaintext().build());
  }

  /** Number of endpoint channels open. */
  public int size() {
    return channels.size();
  }

  @Override
  public void close() {
    closed = true;
    channels.values().forEach(ManagedChannel::shutdown);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    for (ManagedChannel c : channels.values()) {
      try {
        if (!c.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
          c.shutdownNow();
        }
      } catch (InterruptedException e) {
        c.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
    channels.clear();
  }
}
