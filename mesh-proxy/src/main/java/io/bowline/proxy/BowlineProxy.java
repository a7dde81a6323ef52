package io.bowline.proxy;

import io.bowline.proxy.gateway.GatewayServer;
import java.util.function.IntUnaryOperator;
import io.bowline.api.MeshClient;
import io.bowline.proxy.admin.AdminHandler;
import io.bowline.proxy.admin.AdminPage;
import io.bowline.proxy.http1.Http1RequestDecoder;
import io.bowline.proxy.http1.IdleTimeout;
import io.bowline.proxy.http2.Http2Server;
import io.bowline.proxy.http2.PriorKnowledgeSniffer;
import io.bowline.proxy.inbound.InboundSecurity;
import io.bowline.proxy.outbound.OutboundHandler;
import io.bowline.proxy.outbound.ProxyListener;
import io.bowline.proxy.outbound.UpstreamPools;
import io.bowline.runtime.RuntimeMeshClient;
import io.bowline.runtime.admin.AdminHandlers;
import io.bowline.runtime.admin.AdminResponse;
import io.bowline.runtime.pipeline.OutboundRouter;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpServerCodec;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The out-of-process proxy: the mesh runtime's exchange pipeline behind Netty listeners. The
 * outbound listener takes an application's HTTP/1.1 requests, as to an HTTP proxy (absolute-form)
 * or with the service as {@code Host}, and routes them exactly as the library does (same
 * {@link OutboundRouter}, filters, router and resilience; the proxy is one more adapter with a
 * Netty transport). The inbound listener forwards to the local application; with a mesh client it applies
 * the client's server listener first ({@link InboundSecurity}: PeerAuthentication's mTLS mode,
 * AuthorizationPolicy, {@code x-forwarded-client-cert}). The admin port serves
 * {@code /ready} (200 once the first configuration is applied) and whatever pages are added.
 *
 * <pre>{@code
 * try (BowlineProxy proxy = BowlineProxy.builder().mesh(mesh).outbound(15001).inbound(15006, 9080).admin(15000).start()) {
 *   ...
 * }
 * }</pre>
 *
 * <p>Where later parts plug in: handlers at the front of each inbound connection
 * ({@link Builder#inboundPipeline}, before the mTLS mode's); telemetry is an {@code HttpFilter} of the
 * mesh client; admin pages are {@link Builder#adminPage}s.
 */
public final class BowlineProxy implements AutoCloseable {
  private final Transports transports;
  private final UpstreamPools pools;
  private final List<Channel> servers;
  private final Map<String, Integer> ports;
  private final MeshClient ownedMesh;
  /** What the admin port opened on the mesh client (its admin handlers), closed with the proxy. */
  private final List<AdminHandlers> closeables;
  /**
   * The socket listeners of the configuration: the gateway role's, or a sidecar's outbound TCP listeners; {@code
   * null} with neither the gateway role nor an outbound listener.
   */
  private GatewayServer gateway;

  private BowlineProxy(Transports transports, UpstreamPools pools, List<Channel> servers, Map<String, Integer> ports,
      MeshClient ownedMesh, List<AdminHandlers> closeables) {
    this.transports = transports;
    this.pools = pools;
    this.servers = servers;
    this.ports = ports;
    this.ownedMesh = ownedMesh;
    this.closeables = closeables;
  }

  /** A builder with Envoy's default limits, {@code ALLOW_ANY}, listeners on 127.0.0.1. */
  public static Builder builder() {
    return new Builder();
  }

  /** The outbound listener's bound port, or -1 when there is none. */
  public int outboundPort() {
    return ports.getOrDefault("outbound", -1);
  }

  /** The inbound listener's bound port, or -1 when there is none. */
  public int inboundPort() {
    return ports.getOrDefault("inbound", -1);
  }

  /** The admin port, or -1 when there is none. */
  public int adminPort() {
    return ports.getOrDefault("admin", -1);
  }

  /**
   * The port bound for gateway listener port {@code listenerPort} (Istio's {@code servers[].port.number}), or -1
   * when the proxy is not a gateway or that listener is not bound (yet).
   */
  public int gatewayPort(int listenerPort) {
    return gateway == null ? -1 : gateway.boundPort(listenerPort);
  }

  /**
   * As {@link #gatewayPort(int)}, waiting up to {@code timeout} for the listener to be bound (its configuration
   * may have been ACKed a moment before the socket is).
   *
   * @return the bound port, or -1 when the proxy is not a gateway or the listener was not bound in time
   * @throws InterruptedException if interrupted while waiting
   */
  public int awaitGatewayPort(int listenerPort, Duration timeout) throws InterruptedException {
    return gateway == null ? -1 : gateway.awaitBound(listenerPort, timeout);
  }

  /**
   * As {@link #awaitGatewayPort(int, Duration)}, for a sidecar's outbound TCP listener (istiod's {@code
   * 0.0.0.0_<port>} for a TCP service port): the port bound for service port {@code servicePort}.
   *
   * @return the bound port, or -1 when the proxy has no outbound listener or the TCP listener was not bound in time
   * @throws InterruptedException if interrupted while waiting
   */
  public int awaitTcpPort(int servicePort, Duration timeout) throws InterruptedException {
    return awaitGatewayPort(servicePort, timeout);
  }

  /** The Netty transport in use: {@code epoll} or {@code nio}. */
  public String transport() {
    return transports.name();
  }

  /** Stops the listeners, closes connections and the event loops, and the mesh client if the proxy owns it. */
  @Override
  public void close() {
    if (gateway != null) {
      gateway.close();
    }
    for (Channel c : servers) {
      c.close().syncUninterruptibly();
    }
    pools.closeIdle();
    transports.stop();
    closeables.forEach(AdminHandlers::close);
    if (ownedMesh != null) {
      ownedMesh.close();
    }
  }

  /** Builds a {@link BowlineProxy}. */
  public static final class Builder {
    private MeshClient mesh;
    private boolean ownsMesh;
    private String bind = "127.0.0.1";
    private int outbound = -1;
    private int inbound = -1;
    private String appHost = "127.0.0.1";
    private int appPort = -1;
    private int admin = -1;
    private boolean registryOnly;
    private boolean preferNative = true;
    private int threads = Runtime.getRuntime().availableProcessors();
    private ProxyLimits limits = ProxyLimits.DEFAULTS;
    private final Map<String, AdminPage> pages = new LinkedHashMap<>();
    private Consumer<ChannelPipeline> inboundPipeline = p -> { };
    private IntUnaryOperator gatewayPorts;
    private boolean gatewayHttp2 = true;
    private IntUnaryOperator tcpPorts = IntUnaryOperator.identity();

    private Builder() {}

    /** The mesh client whose configuration routes the outbound listener (required for it). */
    public Builder mesh(MeshClient m) {
      this.mesh = m;
      return this;
    }

    /** Whether {@link BowlineProxy#close()} closes the mesh client too. */
    public Builder ownsMesh(boolean owns) {
      this.ownsMesh = owns;
      return this;
    }

    /** The address the listeners bind (default 127.0.0.1). */
    public Builder bind(String address) {
      this.bind = address;
      return this;
    }

    /** The outbound listener's port (0: any free port). */
    public Builder outbound(int port) {
      this.outbound = port;
      return this;
    }

    /** The inbound listener's port (0: any) and the local application's port it forwards to. */
    public Builder inbound(int port, int applicationPort) {
      this.inbound = port;
      this.appPort = applicationPort;
      return this;
    }

    /** The admin port (0: any). */
    public Builder admin(int port) {
      this.admin = port;
      return this;
    }

    /** Istio's {@code REGISTRY_ONLY}: hosts the mesh does not know get 502 {@code NR} (default {@code ALLOW_ANY}). */
    public Builder registryOnly(boolean only) {
      this.registryOnly = only;
      return this;
    }

    /**
     * The gateway role: a listening socket per gateway listener of the mesh client's configuration (the mesh
     * client must speak for a {@code router~} node), bound on {@code ports.applyAsInt(listenerPort)} (0: any
     * free port; {@link IntUnaryOperator#identity()} binds Istio's ports as they are).
     */
    public Builder gateway(IntUnaryOperator ports) {
      this.gatewayPorts = ports;
      return this;
    }

    /**
     * Whether the gateway's HTTP filter chains serve HTTP/2: {@code h2} offered by ALPN on TLS (as the chain's
     * {@code alpn_protocols} list it) and h2c with prior knowledge in plaintext. On by default, as Istio's
     * gateways: an upstream attempt speaks its cluster's protocol (the service port's), whatever the client spoke.
     *
     * @param on whether to serve HTTP/2
     * @return this builder
     */
    public Builder gatewayHttp2(boolean on) {
      this.gatewayHttp2 = on;
      return this;
    }

    /**
     * Where a sidecar's outbound TCP listeners bind (with an outbound listener and without the gateway role): a
     * socket per TCP service port of the configuration, on {@code ports.applyAsInt(servicePort)} (default the
     * service port itself; 0: any free port), forwarding each connection as the listener's {@code tcp_proxy}
     * says. The application connects to the proxy's address on the service port, since the proxy does not
     * capture connections to the service's own address (Istio's interception mode {@code NONE}).
     */
    public Builder tcpPorts(IntUnaryOperator ports) {
      this.tcpPorts = ports;
      return this;
    }

    /** Event-loop threads (default: one per processor). */
    public Builder threads(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("threads must be at least 1, got " + n);
      }
      this.threads = n;
      return this;
    }

    /** Whether to use the native epoll transport where it loads (default true). */
    public Builder nativeTransport(boolean preferNativeTransport) {
      this.preferNative = preferNativeTransport;
      return this;
    }

    /** Header limits, body buffer and timeouts (default {@link ProxyLimits#DEFAULTS}). */
    public Builder limits(ProxyLimits l) {
      this.limits = l;
      return this;
    }

    /** Adds an admin page at {@code path} (e.g. {@code /stats/prometheus}). */
    public Builder adminPage(String path, AdminPage page) {
      pages.put(path, page);
      return this;
    }

    /** Adds handlers at the front of each inbound connection's pipeline (before the mesh's mTLS mode handling). */
    public Builder inboundPipeline(Consumer<ChannelPipeline> front) {
      this.inboundPipeline = front;
      return this;
    }

    /**
     * Binds the listeners.
     *
     * @throws IllegalStateException if an outbound listener is asked for without a mesh client,
     *     or nothing is asked for
     * @throws io.netty.channel.ChannelException (or its cause) if a port cannot be bound
     */
    public BowlineProxy start() {
      if (outbound < 0 && inbound < 0 && admin < 0 && gatewayPorts == null) {
        throw new IllegalStateException("no listener: give an outbound, inbound or admin port, or the gateway role");
      }
      if ((outbound >= 0 || gatewayPorts != null) && mesh == null) {
        throw new IllegalStateException("the outbound listener and the gateway role need a mesh client");
      }
      OutboundRouter router = mesh == null ? null : RuntimeMeshClient.of(mesh).router();
      Transports transports = Transports.start(threads, preferNative);
      UpstreamPools pools = new UpstreamPools(transports);
      List<Channel> servers = new ArrayList<>();
      Map<String, Integer> ports = new LinkedHashMap<>();
      List<AdminHandlers> closeables = new ArrayList<>();
      try {
        if (outbound >= 0) {
          ProxyListener l = ProxyListener.outbound(router, registryOnly, limits);
          bindHttp(transports, pools, l, outbound, p -> { }, servers, ports);
        }
        if (inbound >= 0) {
          // with a mesh client, its server listeners decide: mTLS mode, RBAC, XFCC (never open without one)
          InboundSecurity security = mesh == null ? null
              : new InboundSecurity(RuntimeMeshClient.of(mesh).serverListeners(), appPort,
                  RuntimeMeshClient.of(mesh).istioMetrics());
          ProxyListener l = ProxyListener.inbound(appHost, appPort, limits, security);
          bindHttp(transports, pools, l, inbound, security == null ? inboundPipeline
              : inboundPipeline.andThen(security::install), servers, ports);
        }
        if (admin >= 0) {
          Map<String, AdminPage> all = new LinkedHashMap<>();
          MeshClient m = mesh;
          all.put("/ready", () -> m == null || configured(m)
              ? new AdminPage.Response(200, "text/plain; charset=utf-8", "LIVE\n")
              : new AdminPage.Response(503, "text/plain; charset=utf-8", "PRE_INITIALIZING\n"));
          all.putAll(pages);
          AdminPage.Fallback meshPages = null;
          if (mesh != null) {
            // the mesh client's admin handlers: /config_dump, /clusters, /stats, /stats/prometheus, the page at /
            AdminHandlers handlers = RuntimeMeshClient.of(mesh).adminHandlers();
            closeables.add(handlers);
            meshPages = (method, path, query) -> {
              AdminResponse r = handlers.handle(method, path, query);
              return new AdminPage.Response(r.status(), r.contentType(), r.bodyText());
            };
          }
          AdminPage.Fallback fallback = meshPages;
          Channel c = new ServerBootstrap().group(transports.group()).channel(transports.serverChannel())
              .childHandler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                  ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(64 * 1024), new AdminHandler(all, fallback));
                }
              })
              .bind(new InetSocketAddress(bind, admin)).syncUninterruptibly().channel();
          servers.add(c);
          ports.put("admin", ((InetSocketAddress) c.localAddress()).getPort());
        }
      } catch (RuntimeException e) {
        servers.forEach(Channel::close);
        closeables.forEach(AdminHandlers::close);
        transports.stop();
        throw e;
      }
      BowlineProxy proxy = new BowlineProxy(transports, pools, servers, ports, ownsMesh ? mesh : null, closeables);
      if (gatewayPorts != null || outbound >= 0) {
        // the gateway's listeners, or the sidecar's outbound TCP listeners: both the snapshot's socket listeners
        proxy.gateway = new GatewayServer(router, transports, pools, limits, bind,
            gatewayPorts != null ? gatewayPorts : tcpPorts, gatewayHttp2);
        proxy.gateway.start(mesh);
      }
      return proxy;
    }

    /** Whether the first complete configuration has been applied (never waits). */
    private static boolean configured(MeshClient m) {
      try {
        m.awaitReady(Duration.ZERO);
        return true;
      } catch (TimeoutException e) {
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }

    private void bindHttp(Transports transports, UpstreamPools pools, ProxyListener listener, int port,
        Consumer<ChannelPipeline> front, List<Channel> servers, Map<String, Integer> ports) {
      ProxyLimits l = listener.limits();
      Channel c = transports.listener()
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              ChannelPipeline p = ch.pipeline();
              front.accept(p);
              if (!l.idleTimeout().isZero()) {
                p.addLast(new IdleTimeout(l.idleTimeout()));
              }
              Http1RequestDecoder decoder = new Http1RequestDecoder(l);
              HttpResponseEncoder encoder = new HttpResponseEncoder();
              OutboundHandler http1 = new OutboundHandler(listener, pools, decoder);
              // h2c with prior knowledge, else HTTP/1.1 (Envoy's codec_type AUTO)
              p.addLast(new PriorKnowledgeSniffer(pl -> {
                pl.remove(decoder);
                pl.remove(encoder);
                pl.remove(http1);
                Http2Server.install(pl, l.maxHeadersBytes(), () -> OutboundHandler.forStream(listener, pools));
              }));
              p.addLast(decoder, encoder, http1);
            }
          })
          .bind(new InetSocketAddress(bind, port)).syncUninterruptibly().channel();
      servers.add(c);
      ports.put(listener.name(), ((InetSocketAddress) c.localAddress()).getPort());
    }
  }
}
