package io.bowline.benchmarks;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.google.protobuf.UInt32Value;
import io.bowline.api.ClientStatus;
import io.bowline.api.MeshClient;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLog;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * What the end-to-end benchmarks run against, all on loopback: an HTTP server answering 1 KB, a
 * grpc-java server with {@code grpc.health.v1}, java-control-plane serving a listener, route
 * configuration, cluster and endpoint for each ({@code http-bench…:80}, {@code grpc-bench…:80}),
 * and a {@link MeshClient} subscribed to it. Policies are armed on both services: route timeout,
 * retry policy and outlier detection ({@link #armed(RouteAction.Builder)}, {@link #armed(Cluster.Builder)});
 * the mesh's xDS metrics go to a Micrometer registry. The same control plane can feed grpc-java's
 * own xDS client ({@link #grpcXdsBootstrap()}), the P1 peer. The HTTP backend the mesh and the direct clients call
 * ({@link #httpPort}) is the JDK {@code HttpServer} unless {@code -Dp1.backend=netty} picks
 * {@link NettyKilobyteServer} (the same 1 KB answer on Netty's HTTP/1.1 codec: a production-grade server's cost per
 * request and per header byte); the JDK server runs in both cases.
 */
final class EndToEndFixture implements AutoCloseable {
  static final String HTTP_HOST = "http-bench.default.svc.cluster.local";
  static final String GRPC_HOST = "grpc-bench.default.svc.cluster.local";
  /** The same backends as {@link #HTTP_HOST} and {@link #GRPC_HOST}, with a file access log ({@link #accessLog}). */
  static final String HTTP_TELEMETRY_HOST = "http-telemetry.default.svc.cluster.local";
  static final String GRPC_TELEMETRY_HOST = "grpc-telemetry.default.svc.cluster.local";

  final HttpServer http;
  /** The Netty backend under {@code -Dp1.backend=netty}, else {@code null}. */
  private final NettyKilobyteServer netty;
  /** The port of the HTTP backend the HTTP services' endpoints and the direct clients use ({@link #backend()}). */
  final int httpPort;
  final Server grpc;
  private final EventLoopGroup serverLoops;
  final Server xds;
  final MeshClient mesh;
  /** The file the telemetry hosts' listeners log to ({@code envoy.access_loggers.file}, Istio's default format). */
  final Path accessLog;

  EndToEndFixture() throws Exception {
    // The JDK server otherwise leaves Nagle on, and delayed ACKs add ~40 ms per keep-alive call.
    System.setProperty("sun.net.httpserver.nodelay", "true");
    http = serveKilobyte(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128), exchange -> { });
    netty = backend().equals("netty") ? new NettyKilobyteServer() : null;
    httpPort = netty != null ? netty.port() : http.getAddress().getPort();
    serverLoops = serverLoops();
    grpc = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(healthService())
        .bossEventLoopGroup(serverLoops).workerEventLoopGroup(serverLoops).channelType(NioServerSocketChannel.class)
        .build().start();
    accessLog = Files.createTempFile("bowline-p1-access", ".log");
    xds = serveXds(UnaryOperator.identity(), httpPort, grpc.getPort(), accessLog);
    mesh = MeshClient.builder().workload("bench", "default").xdsServer("127.0.0.1:" + xds.getPort())
        .meterRegistry(new SimpleMeterRegistry()).build();
    mesh.awaitReady(Duration.ofSeconds(30));
    assertArmed();
  }

  /**
   * The HTTP backend P1 runs against: {@code -Dp1.backend}, {@code jdk} (the default, P1's backend since the first
   * round) or {@code netty}.
   *
   * @throws IllegalArgumentException for another value
   */
  static String backend() {
    String b = System.getProperty("p1.backend", "jdk");
    if (!b.equals("jdk") && !b.equals("netty")) {
      throw new IllegalArgumentException("p1.backend must be jdk or netty: " + b);
    }
    return b;
  }

  /**
   * Makes {@code server} answer every request with 1 KB (after {@code observe} saw the exchange) on 4 threads, and
   * starts it.
   */
  static <S extends HttpServer> S serveKilobyte(S server, java.util.function.Consumer<HttpExchange> observe) {
    byte[] body = new byte[1024];
    java.util.Arrays.fill(body, (byte) 'x');
    server.createContext("/", exchange -> {
      observe.accept(exchange);
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.start();
    return server;
  }

  /**
   * The gRPC servers' own event loops, as a server in another process would have: with grpc-java's shared default
   * group, a client channel in this JVM could share a loop thread with the server.
   */
  static EventLoopGroup serverLoops() {
    return new MultiThreadIoEventLoopGroup(0, new DefaultThreadFactory("bench-server", true), NioIoHandler.newFactory());
  }

  /** {@code grpc.health.v1}, answering SERVING. */
  static io.grpc.BindableService healthService() {
    HealthStatusManager health = new HealthStatusManager();
    health.setStatus("", HealthCheckResponse.ServingStatus.SERVING);
    return health.getHealthService();
  }

  /**
   * java-control-plane on loopback serving {@link #HTTP_HOST} at {@code httpPort} and {@link #GRPC_HOST} at
   * {@code grpcPort}, each with the armed policies and {@code shape} applied to its cluster (after them); with an
   * {@code accessLog} file (else null), also {@link #HTTP_TELEMETRY_HOST} and {@link #GRPC_TELEMETRY_HOST} logging to it.
   */
  static Server serveXds(UnaryOperator<Cluster.Builder> shape, int httpPort, int grpcPort, Path accessLog)
      throws java.io.IOException {
    SimpleCache<String> cache = new SimpleCache<>(node -> "all");
    List<Cluster> clusters = new ArrayList<>();
    List<ClusterLoadAssignment> endpoints = new ArrayList<>();
    List<Listener> listeners = new ArrayList<>();
    List<RouteConfiguration> routes = new ArrayList<>();
    UnaryOperator<Cluster.Builder> cluster = c -> shape.apply(armed(c));
    add(HTTP_HOST, httpPort, EndToEndFixture::armed, cluster, clusters, endpoints, listeners, routes);
    add(GRPC_HOST, grpcPort, EndToEndFixture::armed, cluster, clusters, endpoints, listeners, routes);
    if (accessLog != null) {
      add(HTTP_TELEMETRY_HOST, httpPort, EndToEndFixture::armed, cluster, clusters, endpoints, listeners, routes);
      listeners.add(withAccessLog(listeners.remove(listeners.size() - 1), accessLog));
      add(GRPC_TELEMETRY_HOST, grpcPort, EndToEndFixture::armed, cluster, clusters, endpoints, listeners, routes);
      listeners.add(withAccessLog(listeners.remove(listeners.size() - 1), accessLog));
    }
    cache.setSnapshot("all", Snapshot.create(clusters, endpoints, listeners, routes, List.of(), "1"));
    return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new V3DiscoveryServer(cache).getAggregatedDiscoveryServiceImpl()).build().start();
  }

  /**
   * The policies every P1 mesh call carries: a 15 s route timeout (HTTP) and max stream duration
   * (gRPC, gRFC A31), and up to 2 retries.
   */
  static RouteAction.Builder armed(RouteAction.Builder action) {
    com.google.protobuf.Duration fifteen = com.google.protobuf.Duration.newBuilder().setSeconds(15).build();
    return action.setTimeout(fifteen)
        .setMaxStreamDuration(RouteAction.MaxStreamDuration.newBuilder().setMaxStreamDuration(fifteen))
        .setRetryPolicy(RetryPolicy.newBuilder().setRetryOn("5xx,connect-failure,unavailable")
            .setNumRetries(UInt32Value.of(2)));
  }

  /** Outlier detection (5 consecutive 5xx, 10 s interval, 30 s base ejection, at most 50 %). */
  static Cluster.Builder armed(Cluster.Builder cluster) {
    return cluster.setOutlierDetection(OutlierDetection.newBuilder().setConsecutive5Xx(UInt32Value.of(5))
        .setInterval(com.google.protobuf.Duration.newBuilder().setSeconds(10))
        .setBaseEjectionTime(com.google.protobuf.Duration.newBuilder().setSeconds(30))
        .setMaxEjectionPercent(UInt32Value.of(50)));
  }

  /**
   * A grpc-java {@code xds:///grpc-bench…:80} channel fed by this fixture's control plane, ready
   * (one call made). Call once per process: grpc-java reads its bootstrap once.
   */
  ManagedChannel grpcXdsChannel() {
    System.setProperty("io.grpc.xds.bootstrapConfig", grpcXdsBootstrap());
    ManagedChannel channel = Grpc.newChannelBuilder("xds:///" + GRPC_HOST + ":80", InsecureChannelCredentials.create()).build();
    HealthGrpc.newBlockingStub(channel).withWaitForReady().withDeadlineAfter(30, TimeUnit.SECONDS)
        .check(HealthCheckRequest.getDefaultInstance());
    return channel;
  }

  /** Fails the run if the mesh did not accept (ACK) the armed resources. */
  private void assertArmed() {
    List<ClientStatus.Resource> bad = mesh.status().resources().stream()
        .filter(r -> r.state() != ClientStatus.State.ACKED).toList();
    if (bad.size() > 0) {
      throw new IllegalStateException("P1 fixture: resources not ACKed by the mesh: " + bad);
    }
  }

  /**
   * The bootstrap JSON for grpc-java's own xDS client ({@code grpc-xds}) against this fixture's
   * control plane.
   */
  private String grpcXdsBootstrap() {
    return """
        {
          "xds_servers": [{
            "server_uri": "127.0.0.1:%d",
            "channel_creds": [{"type": "insecure"}],
            "server_features": ["xds_v3"]
          }],
          "node": {"id": "grpc-xds-peer", "metadata": {"GENERATOR": "grpc", "NAMESPACE": "default"}}
        }
        """.formatted(xds.getPort());
  }

  /**
   * Adds service {@code fqdn}:80 (listener, route configuration, EDS cluster {@code outbound|80||fqdn}
   * with one loopback endpoint at {@code port}); {@code action} shapes the one route's action.
   */
  static void add(String fqdn, int port, UnaryOperator<RouteAction.Builder> action, List<Cluster> clusters,
      List<ClusterLoadAssignment> endpoints, List<Listener> listeners, List<RouteConfiguration> routes) {
    add(fqdn, port, action, c -> c, clusters, endpoints, listeners, routes);
  }

  /**
   * As {@link #add(String, int, UnaryOperator, List, List, List, List)}, with {@code shape} applied to
   * the cluster. The virtual host also lists {@code fqdn:80} (grpc-xds matches the port).
   */
  static void add(String fqdn, int port, UnaryOperator<RouteAction.Builder> action, UnaryOperator<Cluster.Builder> shape,
      List<Cluster> clusters, List<ClusterLoadAssignment> endpoints, List<Listener> listeners,
      List<RouteConfiguration> routes) {
    ConfigSource ads = ads();
    String cluster = addCluster(fqdn, port, shape, clusters, endpoints);
    HttpConnectionManager hcm = HttpConnectionManager.newBuilder().setStatPrefix(fqdn)
        .setRds(Rds.newBuilder().setConfigSource(ads).setRouteConfigName(cluster))
        .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router").setTypedConfig(Any.pack(Router.getDefaultInstance())))
        .build();
    listeners.add(Listener.newBuilder().setName(fqdn + ":80").setApiListener(ApiListener.newBuilder().setApiListener(Any.pack(hcm))).build());
    routes.add(RouteConfiguration.newBuilder().setName(cluster).setIgnorePortInHostMatching(true)
        .addVirtualHosts(VirtualHost.newBuilder().setName(fqdn).addDomains(fqdn).addDomains(fqdn + ":80")
            .addRoutes(Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
                .setRoute(action.apply(RouteAction.newBuilder().setCluster(cluster))))).build());
  }

  /** {@code listener} with its HCM writing Envoy's file access log, in Istio's default format, to {@code file}. */
  private static Listener withAccessLog(Listener listener, Path file) throws InvalidProtocolBufferException {
    HttpConnectionManager hcm = listener.getApiListener().getApiListener().unpack(HttpConnectionManager.class)
        .toBuilder().addAccessLog(AccessLog.newBuilder().setName("envoy.access_loggers.file")
            .setTypedConfig(Any.pack(FileAccessLog.newBuilder().setPath(file.toString()).build()))).build();
    return listener.toBuilder().setApiListener(ApiListener.newBuilder().setApiListener(Any.pack(hcm))).build();
  }

  /** Adds EDS cluster {@code outbound|80||fqdn} with one loopback endpoint at {@code port}; returns its name. */
  static String addCluster(String fqdn, int port, List<Cluster> clusters, List<ClusterLoadAssignment> endpoints) {
    return addCluster(fqdn, port, c -> c, clusters, endpoints);
  }

  private static String addCluster(String fqdn, int port, UnaryOperator<Cluster.Builder> shape, List<Cluster> clusters,
      List<ClusterLoadAssignment> endpoints) {
    String cluster = "outbound|80||" + fqdn;
    clusters.add(shape.apply(Cluster.newBuilder().setName(cluster).setType(Cluster.DiscoveryType.EDS)
        .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setEdsConfig(ads()).setServiceName(cluster))
        .setLbPolicy(Cluster.LbPolicy.LEAST_REQUEST)).build());
    // grpc-xds ignores a locality without a weight
    endpoints.add(ClusterLoadAssignment.newBuilder().setClusterName(cluster).addEndpoints(LocalityLbEndpoints.newBuilder()
        .setLoadBalancingWeight(UInt32Value.of(1))
        .addLbEndpoints(LbEndpoint.newBuilder().setEndpoint(Endpoint.newBuilder().setAddress(Address.newBuilder()
            .setSocketAddress(SocketAddress.newBuilder().setAddress("127.0.0.1").setPortValue(port)))))).build());
    return cluster;
  }

  private static ConfigSource ads() {
    return ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance())
        .setResourceApiVersion(ApiVersion.V3).build();
  }

  @Override
  public void close() throws Exception {
    stop(mesh, xds, grpc, serverLoops, http);
    if (netty != null) {
      netty.close();
    }
    Files.deleteIfExists(accessLog);
  }

  /** Closes a fixture's parts, the client first. */
  static void stop(MeshClient mesh, Server xds, Server grpc, EventLoopGroup serverLoops, HttpServer http)
      throws InterruptedException {
    mesh.close();
    xds.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    grpc.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    serverLoops.shutdownGracefully(0, 5, TimeUnit.SECONDS);
    http.stop(0);
  }
}
