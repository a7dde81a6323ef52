package io.bowline.controlplane.server;

import com.google.protobuf.Message;
import io.bowline.controlplane.translate.ClientView;
import io.bowline.controlplane.translate.XdsResources;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.SnapshotResources;
import io.envoyproxy.controlplane.cache.VersionedResource;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A gRPC server serving xDS v3 (ADS, plus the per-type LDS/RDS/CDS/EDS/SDS services, state of the world and
 * delta) from java-control-plane's {@link SimpleCache}.
 *
 * <p>Each client gets its own view: nodes are grouped by {@link ClientView} (node metadata {@code NAMESPACE}
 * and {@code LABELS}; a request without {@code node} belongs to the node of its stream's first request), and
 * each group gets a snapshot translated for it, made when its first node connects and remade on every
 * publish. Each resource type carries its own version: the number of the publish in which that type's
 * resources (for that view) last changed, so a publish pushes only the types that changed
 * (per-resource versions for delta xDS are content hashes, computed by java-control-plane). Thread-safe.
 *
 * <p>Connections are bounded by {@link ServerLimits}: one that does not complete the HTTP/2 handshake in time,
 * or sends something else, is closed (see {@link ConnectionGuard}).
 */
public final class XdsSnapshotServer implements AutoCloseable {

  /** Translates the current configuration for one client view. */
  @FunctionalInterface
  public interface ViewTranslator {
    /** The resources {@code view} sees; must not carry errors. */
    XdsResources translate(ClientView view);
  }

  private static final long SHUTDOWN_GRACE_SECONDS = 5;
  /** The shortest keepalive ping interval a client may use (grpc-java's xDS clients send none by default). */
  private static final long KEEPALIVE_PERMITTED_SECONDS = 20;

  private final EventLoopGroup boss;
  private final EventLoopGroup workers;

  private final SimpleCache<ClientView> cache;
  private final Server server;
  private final AckLedger acks;
  private final Set<ClientView> views = ConcurrentHashMap.newKeySet();
  /** Each view's snapshot and the publish it was made in, replaced together. */
  private final Map<ClientView, ServedView> served = new ConcurrentHashMap<>();
  /** What each view's snapshot was made from, to recognise reused resource instances. */
  private final Map<ClientView, XdsResources> servedResources = new ConcurrentHashMap<>();
  private final ViewServedListener onViewServed;
  private ViewTranslator translator;
  private String version;

  /** A view's current snapshot and the version of the publish it was made in. */
  private record ServedView(String publish, Snapshot snapshot) {}

  private XdsSnapshotServer(String initialVersion, AckLedger acks, SimpleCache<ClientView> cache, Server server,
      ViewServedListener onViewServed, EventLoopGroup boss, EventLoopGroup workers) {
    this.boss = boss;
    this.workers = workers;
    this.version = initialVersion;
    this.acks = acks;
    this.cache = cache;
    this.server = server;
    this.onViewServed = onViewServed;
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
    return start(host, port, initialVersion, (view, publish) -> { });
  }

  /**
   * As {@link #start(String, int, String)}, telling {@code onViewServed} each time a client view is served a
   * new snapshot.
   *
   * @throws IOException if the port cannot be bound
   */
  public static XdsSnapshotServer start(String host, int port, String initialVersion,
      ViewServedListener onViewServed) throws IOException {
    return start(host, port, initialVersion, onViewServed, ServerLimits.DEFAULT);
  }

  /**
   * As {@link #start(String, int, String, ViewServedListener)}, with {@code limits} on connections and
   * streams.
   *
   * @throws IOException if the port cannot be bound
   */
  @SuppressWarnings("deprecation") // NioEventLoopGroup: also present in the Netty 4.1 that some users run
  public static XdsSnapshotServer start(String host, int port, String initialVersion,
      ViewServedListener onViewServed, ServerLimits limits) throws IOException {
    AckLedger acks = new AckLedger();
    // The cache asks for a node's group only once a stream is open, after the server below is assigned.
    XdsSnapshotServer[] self = new XdsSnapshotServer[1];
    SimpleCache<ClientView> cache = new SimpleCache<>(node -> self[0].group(node));
    V3DiscoveryServer discovery = new V3DiscoveryServer(acks,
        new NamedInboundListenersWatcher(new AnswerWhatExistsWatcher(cache)));
    // the cache groups each request by its node, which clients may send on a stream's first request only
    StreamNodeInterceptor streamNode = new StreamNodeInterceptor();
    AtomicInteger openConnections = new AtomicInteger();
    EventLoopGroup boss = new NioEventLoopGroup(1, new DefaultThreadFactory("bowline-xds-accept", true));
    EventLoopGroup workers = new NioEventLoopGroup(0, new DefaultThreadFactory("bowline-xds", true));
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
        .channelFactory(() -> new ConnectionGuard.GuardedServerSocketChannel(limits, openConnections))
        .bossEventLoopGroup(boss)
        .workerEventLoopGroup(workers)
        .handshakeTimeout(limits.handshakeTimeout().toNanos(), TimeUnit.NANOSECONDS)
        .maxConcurrentCallsPerConnection(limits.maxConcurrentStreams())
        .maxConnectionIdle(limits.maxConnectionIdle().toNanos(), TimeUnit.NANOSECONDS)
        .permitKeepAliveTime(KEEPALIVE_PERMITTED_SECONDS, TimeUnit.SECONDS)
        .permitKeepAliveWithoutCalls(true)
        .addService(ServerInterceptors.intercept(discovery.getAggregatedDiscoveryServiceImpl(), streamNode))
        .addService(ServerInterceptors.intercept(discovery.getListenerDiscoveryServiceImpl(), streamNode))
        .addService(ServerInterceptors.intercept(discovery.getRouteDiscoveryServiceImpl(), streamNode))
        .addService(ServerInterceptors.intercept(discovery.getClusterDiscoveryServiceImpl(), streamNode))
        .addService(ServerInterceptors.intercept(discovery.getEndpointDiscoveryServiceImpl(), streamNode))
        .addService(ServerInterceptors.intercept(discovery.getSecretDiscoveryServiceImpl(), streamNode))
        .build();
    self[0] = new XdsSnapshotServer(initialVersion, acks, cache, server, onViewServed, boss, workers);
    try {
      server.start();
    } catch (IOException | RuntimeException e) {
      boss.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      workers.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      throw e;
    }
    return self[0];
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
    publish(view -> resources, version);
  }

  /**
   * Serves, as publish {@code version}, what {@code translator} makes for each client view; views that
   * connect later are translated when their first node connects. The views are served one after the
   * other: until this returns, some may still be served the previous publish (see {@link #servedPublish}).
   */
  public synchronized void publish(ViewTranslator translator, String version) {
    this.translator = translator;
    this.version = version;
    for (ClientView view : views) {
      serve(view);
    }
  }

  /**
   * The version of {@code typeUrl} served to {@code view} ({@code ""} before the view's first node
   * connected).
   */
  public String servedVersion(ClientView view, String typeUrl) {
    ServedView current = served.get(view);
    return current == null ? "" : current.snapshot().version(typeUrl);
  }

  /**
   * The version of the publish whose snapshot {@code view} is served now ({@code ""} before the view's first
   * node connected). While {@link #publish} runs, this is the previous publish for the views it has not
   * served yet, although their {@link #servedVersion type versions} may already be ACKed by their clients.
   */
  public String servedPublish(ClientView view) {
    ServedView current = served.get(view);
    return current == null ? "" : current.publish();
  }

  /** The client views seen so far. */
  public Set<ClientView> views() {
    return Set.copyOf(views);
  }

  /** The node group of a connecting client; translates the view when it is new. */
  private ClientView group(Node node) {
    ClientView view = ClientViews.of(node);
    if (views.add(view)) {
      synchronized (this) {
        serve(view);
      }
    }
    return view;
  }

  /** Caller holds the lock. */
  private void serve(ClientView view) {
    if (translator == null) {
      Snapshot empty = Snapshot.createEmpty(version);
      served.put(view, new ServedView(version, empty));
      cache.setSnapshot(view, empty);
      onViewServed.onViewServed(view, version);
      return;
    }
    XdsResources resources = translator.translate(view);
    if (resources.hasErrors()) {
      return;
    }
    ServedView current = served.get(view);
    Snapshot previous = current == null ? null : current.snapshot();
    XdsResources before = servedResources.get(view);
    boolean known = previous != null && before != null;
    Snapshot next = new ViewSnapshot(
        update(known ? previous.clusters() : null, known ? before.clusters() : null, resources.clusters()),
        update(known ? previous.endpoints() : null, known ? before.endpoints() : null, resources.endpoints()),
        update(known ? previous.listeners() : null, known ? before.listeners() : null, resources.listeners()),
        update(known ? previous.routes() : null, known ? before.routeConfigurations() : null,
            resources.routeConfigurations()),
        update(known ? previous.secrets() : null, known ? before.secrets() : null, resources.secrets()));
    served.put(view, new ServedView(version, next));
    servedResources.put(view, resources);
    cache.setSnapshot(view, next);
    onViewServed.onViewServed(view, version);
  }

  /**
   * One type's resources for the next snapshot. When the translation returned the very instances served
   * last (the incremental translator reuses the resources of unaffected services), the previous set is kept
   * as it is. Otherwise each resource keeps its previous versioned entry (and content hash) when it is equal
   * to the one served under its name, and the type's version is the previous one when every resource is
   * unchanged, else the current publish.
   *
   * @param previous the type's resources served last, or null
   * @param previousList the list they were made from, or null
   */
  private <T extends Message> SnapshotResources<T> update(SnapshotResources<T> previous, List<T> previousList,
      List<T> resources) {
    if (previous != null && previousList != null && sameInstances(previousList, resources)) {
      return previous;
    }
    Map<String, VersionedResource<T>> before = previous == null ? Map.of() : previous.versionedResources();
    boolean changed = previous == null || before.size() != resources.size();
    List<VersionedResource<T>> next = new ArrayList<>(resources.size());
    for (T resource : resources) {
      VersionedResource<T> old = before.get(Resources.getResourceName(resource));
      if (old != null && old.resource().equals(resource)) {
        next.add(old);
      } else {
        next.add(VersionedResource.create(resource));
        changed = true;
      }
    }
    return SnapshotResources.create(next, changed ? version : previous.version());
  }

  private static boolean sameInstances(List<?> before, List<?> after) {
    if (before.size() != after.size()) {
      return false;
    }
    for (int i = 0; i < before.size(); i++) {
      if (before.get(i) != after.get(i)) {
        return false;
      }
    }
    return true;
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
    } finally {
      boss.shutdownGracefully(0, SHUTDOWN_GRACE_SECONDS, TimeUnit.SECONDS);
      workers.shutdownGracefully(0, SHUTDOWN_GRACE_SECONDS, TimeUnit.SECONDS);
    }
  }
}
