package io.bowline.runtime.adapter.grpc;

import io.bowline.api.config.ClusterOptions;
import io.bowline.runtime.tls.UpstreamTlsHandle;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One grpc-netty {@link ManagedChannel} per endpoint {@code address:port}, TLS handle (or plaintext) and
 * connect timeout (the cluster's {@code connect_timeout}, a Netty {@code CONNECT_TIMEOUT_MILLIS}), shared by
 * every mesh channel of a client and created on first use. They run on the client's own
 * {@link EndpointEventLoops} (started with the first channel). A TLS handle's certificate rotation
 * ({@link UpstreamTlsHandle#generation()}) gets new channels, so no TLS session of the previous certificate is
 * resumed; the old ones are shut down after a grace. The channels run without grpc-java's retry: the mesh retries per
 * the route's policy, and its router replays a stream the upstream never processed (gRFC A6's transparent retry, see
 * {@link UnprocessedStreams}). {@link #close()} shuts them all
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
    return get(address, port, connectTimeoutMs, null);
  }

  /**
   * The channel to {@code address:port} over TLS with {@code tls} (its key and trust managers as
   * {@link TlsChannelCredentials}, its SNI as the channel's authority; {@code null}: plaintext), whose
   * connects time out after {@code connectTimeoutMs} milliseconds ({@code connect_timeout}). Channels are
   * keyed by endpoint and handle, so a TLS connection is never shared with plaintext or another context.
   *
   * @throws IllegalStateException after {@link #close()}, or if {@code tls} is not ready
   */
  public ManagedChannel get(String address, int port, long connectTimeoutMs, UpstreamTlsHandle tls) {
    if (closed) {
      throw new IllegalStateException("mesh client is closed");
    }
    int timeout = (int) Math.min(Integer.MAX_VALUE, connectTimeoutMs);
    int generation = tls == null ? 0 : tls.generation();
    Last l = last;
    if (l != null && l.key.is(address, port, timeout, tls, generation)) {
      return l.channel; // the endpoint of the call before: no key to build
    }
    Key key = new Key(address, port, timeout, tls, generation);
    ManagedChannel channel = channels.get(key);
    if (channel != null) {
      last = new Last(key, channel);
      return channel;
    }
    channel = channels.computeIfAbsent(key, k -> loops(builder(address, port, tls))
        // grpc-java's retry is off (its RetriableStream cost every call ~15-20 us): the route's policy (gRFC A44) is
        // the mesh's, and so is gRFC A6's transparent retry (the router replays what UnprocessedStreams recognises)
        .disableRetry()
        .withOption(ChannelOption.CONNECT_TIMEOUT_MILLIS, timeout)
        .build());
    if (tls != null) {
      retireOlderGenerations(key);
    }
    last = new Last(key, channel);
    return channel;
  }

  /** The channel the last lookup found, and its key: most calls go to the endpoint of the call before. */
  private record Last(Key key, ManagedChannel channel) {}

  private volatile Last last;

  /**
   * Removes the channels of {@code current}'s endpoint and handle made before the handle's last certificate rotation
   * (their TLS sessions would be resumed with the previous certificate) and shuts them down after a grace of
   * {@value #RETIRE_GRACE_SECONDS} s, so a call that picked one just before keeps working; calls in flight then finish.
   */
  private void retireOlderGenerations(Key current) {
    channels.entrySet().removeIf(e -> {
      Key k = e.getKey();
      if (k.tls != current.tls || k.generation >= current.generation || k.port != current.port
          || k.connectTimeoutMs != current.connectTimeoutMs || !k.address.equals(current.address)) {
        return false;
      }
      java.util.concurrent.CompletableFuture.delayedExecutor(RETIRE_GRACE_SECONDS, TimeUnit.SECONDS)
          .execute(e.getValue()::shutdown);
      return true;
    });
  }

  private static final int RETIRE_GRACE_SECONDS = 10;

  private static NettyChannelBuilder builder(String address, int port, UpstreamTlsHandle tls) {
    if (tls == null) {
      return NettyChannelBuilder.forAddress(address, port).usePlaintext();
    }
    NettyChannelBuilder b = NettyChannelBuilder.forAddress(address, port, TlsChannelCredentials.newBuilder()
        .keyManager(tls.keyManager())
        .trustManager(tls.trustManager())
        .build());
    return tls.sni().isEmpty() ? b : b.overrideAuthority(tls.sni()); // the TLS server name grpc-netty sends
  }

  private static final boolean SHARED = Boolean.getBoolean("bowline.grpc.sharedLoops");

  private NettyChannelBuilder loops(NettyChannelBuilder b) {
    return SHARED ? b : b.eventLoopGroup(loops()).channelType(NioSocketChannel.class);
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
    private final UpstreamTlsHandle tls;
    private final int generation;

    Key(String address, int port, int connectTimeoutMs, UpstreamTlsHandle tls, int generation) {
      this.address = address;
      this.port = port;
      this.connectTimeoutMs = connectTimeoutMs;
      this.tls = tls;
      this.generation = generation;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && k.is(address, port, connectTimeoutMs, tls, generation);
    }

    boolean is(String a, int p, int timeout, UpstreamTlsHandle t, int g) {
      return p == port && timeout == connectTimeoutMs && t == tls && g == generation && a.equals(address);
    }

    @Override
    public int hashCode() {
      return (((address.hashCode() * 31 + port) * 31 + connectTimeoutMs) * 31 + System.identityHashCode(tls)) * 31
          + generation;
    }
  }

  /** Number of endpoint channels open. */
  public int size() {
    return channels.size();
  }

  @Override
  public void close() {
    closed = true;
    last = null;
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
