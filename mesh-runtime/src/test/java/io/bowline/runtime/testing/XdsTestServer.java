package io.bowline.runtime.testing;

import io.envoyproxy.controlplane.cache.ConfigWatcher;
import io.envoyproxy.controlplane.cache.DeltaResponse;
import io.envoyproxy.controlplane.cache.DeltaWatch;
import io.envoyproxy.controlplane.cache.DeltaXdsRequest;
import io.envoyproxy.controlplane.cache.Response;
import io.envoyproxy.controlplane.cache.Watch;
import io.envoyproxy.controlplane.cache.XdsRequest;
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
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;

/**
 * A real xDS server for tests: envoyproxy's java-control-plane (V3DiscoveryServer + SimpleCache,
 * one node group) on a loopback port or a Unix domain socket. Records every DiscoveryRequest it receives.
 *
 * <p>A new snapshot and the watches that requests open are serialised ({@link SerialisedWatcher}): the cache
 * answers open watches after it has stored a snapshot, outside its lock, and in ADS mode it drops (without an
 * answer) an open watch whose names the snapshot does not all hold. A request that opened such a watch while a
 * snapshot was being answered (a client asking for a cluster's SDS secrets as soon as the cluster arrived) would
 * lose it, and the next snapshot, the one with the secrets, would have no watch to answer: the client waited out
 * its initial fetch timeout ({@code ClusterWarmingTest}'s flake).
 */
public final class XdsTestServer implements AutoCloseable {
  private static final String GROUP = "all";
  private final SimpleCache<String> cache = new SimpleCache<>(node -> GROUP);
  /** Write-held while a snapshot is stored and answered; read-held while a request opens its watch. */
  private final ReadWriteLock snapshotLock = new ReentrantReadWriteLock();
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
    V3DiscoveryServer discovery = new V3DiscoveryServer(callbacks, new SerialisedWatcher());
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
    snapshotLock.writeLock().lock();
    try {
      cache.setSnapshot(GROUP, snapshot);
    } finally {
      snapshotLock.writeLock().unlock();
    }
  }

  /** The cache, opening each watch only between snapshots (see the class comment). */
  private final class SerialisedWatcher implements ConfigWatcher {
    @Override
    public Watch createWatch(boolean ads, XdsRequest request, Set<String> knownResourceNames,
        Consumer<Response> responseConsumer, boolean hasClusterChanged, boolean allowDefaultEmptyEdsUpdate) {
      snapshotLock.readLock().lock();
      try {
        return cache.createWatch(ads, request, knownResourceNames, responseConsumer, hasClusterChanged,
            allowDefaultEmptyEdsUpdate);
      } finally {
        snapshotLock.readLock().unlock();
      }
    }

    @Override
    public DeltaWatch createDeltaWatch(DeltaXdsRequest request, String requesterVersion,
        Map<String, String> resourceVersions, Set<String> pendingResources, boolean isWildcard,
        Consumer<DeltaResponse> responseConsumer, boolean hasClusterChanged) {
      snapshotLock.readLock().lock();
      try {
        return cache.createDeltaWatch(request, requesterVersion, resourceVersions, pendingResources, isWildcard,
            responseConsumer, hasClusterChanged);
      } finally {
        snapshotLock.readLock().unlock();
      }
    }
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
