package io.bowline.controlplane.server;

import io.bowline.controlplane.translate.XdsResources;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A gRPC server serving xDS v3 (ADS, plus the per-type LDS/RDS/CDS/EDS/SDS services, state of the world and
 * delta) from java-control-plane's {@link SimpleCache}. Every node gets the same snapshot (one node group).
 * Publishing replaces the snapshot; open streams receive the new version at once. Thread-safe.
 */
public final class XdsSnapshotServer implements AutoCloseable {

  /** The single node group: every client sees the same configuration. */
  static final String NODE_GROUP = "bowline";

  private static final long SHUTDOWN_GRACE_SECONDS = 5;

  private final SimpleCache<String> cache;
  private final Server server;
  private final AckLedger acks;

  private XdsSnapshotServer(SimpleCache<String> cache, Server server, AckLedger acks) {
    this.cache = cache;
    this.server = server;
    this.acks = acks;
  }

  /**
   * Binds {@code host:port} and starts serving an empty snapshot of version {@code initialVersion}.
   *
   * @param host the address to bind, for example {@code 127.0.0.1}
   * @param port the TCP port; 0 picks a free one
   * @param initialVersion the version of the initial empty snapshot
   * @throws IOException if the port cannot be bound
   */
  public static XdsSnapshotServer start(String host, int port, String initialVersion) throws IOException {
    SimpleCache<String> cache = new SimpleCache<>(node -> NODE_GROUP);
    cache.setSnapshot(NODE_GROUP, Snapshot.createEmpty(initialVersion));
    AckLedger acks = new AckLedger();
    V3DiscoveryServer discovery = new V3DiscoveryServer(acks, new AnswerWhatExistsWatcher(cache));
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
        .addService(discovery.getAggregatedDiscoveryServiceImpl())
        .addService(discovery.getListenerDiscoveryServiceImpl())
        .addService(discovery.getRouteDiscoveryServiceImpl())
        .addService(discovery.getClusterDiscoveryServiceImpl())
        .addService(discovery.getEndpointDiscoveryServiceImpl())
        .addService(discovery.getSecretDiscoveryServiceImpl())
        .build()
        .start();
    return new XdsSnapshotServer(cache, server, acks);
  }

  /** What clients ACKed and NACKed. */
  public AckLedger acks() {
    return acks;
  }

  /** The bound TCP port. */
  public int port() {
    return server.getPort();
  }

  /**
   * Serves {@code resources} as the snapshot {@code version} to every node.
   *
   * @throws IllegalArgumentException if {@code resources} carry errors (they must never be served)
   */
  public void publish(XdsResources resources, String version) {
    if (resources.hasErrors()) {
      throw new IllegalArgumentException("resources with errors must not be served");
    }
    cache.setSnapshot(NODE_GROUP, Snapshot.create(
        resources.clusters(),
        resources.endpoints(),
        resources.listeners(),
        resources.routeConfigurations(),
        List.of(),
        version));
  }

  /** Stops accepting streams and closes the open ones, waiting up to 5 s. */
  @Override
  public void close() {
    server.shutdown();
    try {
      if (!server.awaitTermination(SHUTDOWN_GRACE_SECONDS, TimeUnit.SECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
