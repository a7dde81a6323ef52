package io.bowline.runtime.testing;

import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A real xDS server for tests: envoyproxy's java-control-plane (V3DiscoveryServer + SimpleCache,
 * one node group) on a loopback port or a Unix domain socket. Records every DiscoveryRequest it receives.
 */
public final class XdsTestServer implements AutoCloseable {
  private static final String GROUP = "all";
  private final SimpleCache<String> cache = new SimpleCache<>(node -> GROUP);
  private final List<DiscoveryRequest> requests = new CopyOnWriteArrayList<>();
  private final List<DeltaDiscoveryRequest> deltaRequests = new CopyOnWriteArrayList<>();
  private final Server server;
  private final EventLoopGroup group;

  public XdsTestServer() throws IOException {
    this(0);
  }

  /** @param port the loopback port to bind, 0 for any */
  public XdsTestServer(int port) throws IOException {
    this(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port)), null);
  }

  /**
   * A server on a free loopback port that ends every HTTP/2 connection after {@code age} (grpc-java's
   * {@code maxConnectionAge}: {@code GOAWAY}, then the streams end after a 100 ms grace), as istiod's
   * {@code MAX_CONNECTION_AGE} does.
   */
  public static XdsTestServer withMaxConnectionAge(java.time.Duration age) throws IOException {
    return new XdsTestServer(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .maxConnectionAge(age.toMillis(), TimeUnit.MILLISECONDS)
        .maxConnectionAgeGrace(100, TimeUnit.MILLISECONDS), null);
  }

  /**
   * An xDS server on a Unix domain socket (Netty's epoll transport), as istio-agent serves proxyless gRPC at
   * {@code unix:///etc/istio/proxy/XDS}.
   *
   * @param socket the socket file to create
   */
  public static XdsTestServer onUnixSocket(Path socket) throws IOException {
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    try {
      return new XdsTestServer(NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toFile()))
          .channelType(EpollServerDomainSocketChannel.class).bossEventLoopGroup(group).workerEventLoopGroup(group),
          group);
    } catch (IOException | RuntimeException e) {
      group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      throw e;
    }
  }

  private XdsTestServer(NettyServerBuilder builder, EventLoopGroup group) throws IOException {
    this.group = group;
    DiscoveryServerCallbacks callbacks = new DiscoveryServerCallbacks() {
      @Override
      public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
        requests.add(request);
      }

      @Override
      public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {
        deltaRequests.add(request);
      }
    };
    V3DiscoveryServer discovery = new V3DiscoveryServer(callbacks, cache);
    server = builder
        .addService(discovery.getAggregatedDiscoveryServiceImpl())
        .build()
        .start();
  }

  /** The bound port. */
  public int port() {
    return server.getPort();
  }

  /** {@code 127.0.0.1:<port>}. */
  public String address() {
    return "127.0.0.1:" + server.getPort();
  }

  /** Publishes a snapshot to every client. */
  public void set(Snapshot snapshot) {
    cache.setSnapshot(GROUP, snapshot);
  }

  /** Every request received so far, in order. */
  public List<DiscoveryRequest> requests() {
    return List.copyOf(requests);
  }

  /** Every incremental (delta) request received so far, in order. */
  public List<DeltaDiscoveryRequest> deltaRequests() {
    return List.copyOf(deltaRequests);
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
    if (group != null) {
      group.shutdownGracefully(0, 0, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
    }
  }
}
