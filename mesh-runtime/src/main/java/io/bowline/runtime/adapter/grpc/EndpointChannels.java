package io.bowline.runtime.adapter.grpc;

import io.bowline.api.config.ClusterOptions;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One plaintext grpc-netty {@link ManagedChannel} per endpoint {@code address:port} and connect
 * timeout (the cluster's {@code connect_timeout}, a Netty {@code CONNECT_TIMEOUT_MILLIS}), shared by
 * every mesh channel of a client and created on first use. They run on the client's own
 * {@link EndpointEventLoops} (started with the first channel). {@link #close()} shuts them all
 * down, giving calls in flight up to 5 s in total before cancelling them.
 */
public final class EndpointChannels implements AutoCloseable {
  private final ConcurrentHashMap<Key, ManagedChannel> channels = new ConcurrentHashMap<>();
  private EndpointEventLoops loops; // guarded by this
  private volatile boolean closed;

  /**
   * The channel to {@code address:port} with Envoy's default {@code connect_timeout} (5000 ms).
   *
   * @throws IllegalStateException after {@link #close()}
   */
  public ManagedChannel get(String address, int port) {
    return get(address, port, ClusterOptions.DEFAULT_CONNECT_TIMEOUT_MS);
  }

  /**
   * The channel to {@code address:port} whose connects time out after {@code connectTimeoutMs}
   * milliseconds ({@code connect_timeout}).
   *
   * @throws IllegalStateException after {@link #close()}
   */
  public ManagedChannel get(String address, int port, long connectTimeoutMs) {
    if (closed) {
      throw new IllegalStateException("mesh client is closed");
    }
    int timeout = (int) Math.min(Integer.MAX_VALUE, connectTimeoutMs);
    return channels.computeIfAbsent(new Key(address, port, timeout), k -> NettyChannelBuilder.forAddress(address, port)
        .usePlaintext()
        .eventLoopGroup(loops())
        .channelType(NioSocketChannel.class)
        .disableRetry() // the mesh retries per the route's policy (gRFC A44 semantics); no second layer
        .withOption(ChannelOption.CONNECT_TIMEOUT_MILLIS, timeout)
        .build());
  }

  private synchronized EndpointEventLoops loops() {
    if (loops == null) {
      loops = new EndpointEventLoops();
    }
    return loops;
  }

  /**
   * What a channel is shared by: looked up on every call, so a key object rather than a built
   * string, with its own equals and hash code (a record's go through method handles).
   */
  private static final class Key {
    private final String address;
    private final int port;
    private final int connectTimeoutMs;

    Key(String address, int port, int connectTimeoutMs) {
      this.address = address;
      this.port = port;
      this.connectTimeoutMs = connectTimeoutMs;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && k.port == port && k.connectTimeoutMs == connectTimeoutMs && k.address.equals(address);
    }

    @Override
    public int hashCode() {
      return (address.hashCode() * 31 + port) * 31 + connectTimeoutMs;
    }
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
    EndpointEventLoops l;
    synchronized (this) {
      l = loops;
      loops = null;
    }
    if (l != null) {
      l.shutdownGracefully(0, 5, TimeUnit.SECONDS);
    }
  }
}
