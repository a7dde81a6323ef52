package io.bowline.proxy.gateway;

import io.bowline.api.MeshClient;
import io.bowline.api.config.SocketListener;
import io.bowline.proxy.ProxyLimits;
import io.bowline.proxy.Transports;
import io.bowline.proxy.outbound.UpstreamPools;
import io.bowline.runtime.pipeline.OutboundRouter;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.IntUnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway role: keeps one listening socket per gateway listener of the mesh client's configuration (istiod's
 * {@code 0.0.0.0_<port>} listeners for a {@code router~} node), opening and closing them as configuration
 * updates add and remove listeners. Each accepted connection takes the listener's filter chains as they are
 * then: chosen by SNI when a chain matches {@code server_names}, else the one chain. A listener whose address
 * is {@code 0.0.0.0} binds the proxy's bind address; its port may be mapped (tests and unprivileged runs
 * bind Istio's 80/443/8080 elsewhere); routing always uses the listener's own port. A sidecar proxy keeps its
 * outbound TCP listeners ({@code 0.0.0.0_<port>}, {@code tcp_proxy} only) the same way.
 */
public final class GatewayServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GatewayServer.class);

  private final OutboundRouter router;
  private final Transports transports;
  private final GatewayChains chains;
  private final String bind;
  private final IntUnaryOperator portMap;
  /**
   * One reconciliation at a time, in order, on a thread that exits after 10 s without work (listeners change
   * only with the configuration, so an idle proxy keeps no thread for them).
   */
  private final ExecutorService reconciler = reconcilerThread();
  /** By listener port: the bound server channel. Touched by the reconciler only, one task at a time (and close). */
  private final Map<Integer, Channel> bound = new HashMap<>();
  private final Map<Integer, Integer> boundPorts = new java.util.concurrent.ConcurrentHashMap<>();
  private final Set<Integer> failed = new HashSet<>();
  private Runnable unsubscribe = () -> { };

  private static ExecutorService reconcilerThread() {
    ThreadPoolExecutor executor = new ThreadPoolExecutor(1, 1, 10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
      Thread t = new Thread(r, "bowline-gateway-listeners");
      t.setDaemon(true);
      return t;
    });
    executor.allowCoreThreadTimeOut(true);
    return executor;
  }

  /**
   * @param router the mesh client's router (its snapshot carries the gateway listeners)
   * @param transports the proxy's event loops
   * @param pools the proxy's upstream connection pools
   * @param limits the HTTP decoder's limits
   * @param bind the address a listener on {@code 0.0.0.0} binds
   * @param portMap the port to bind for a listener port (0: any free port)
   * @param http2 whether HTTP filter chains serve HTTP/2 (h2 by ALPN, h2c with prior knowledge)
   */
  public GatewayServer(OutboundRouter router, Transports transports, UpstreamPools pools, ProxyLimits limits,
      String bind, IntUnaryOperator portMap, boolean http2) {
    this.router = router;
    this.transports = transports;
    this.chains = new GatewayChains(router, transports, pools, limits, http2);
    this.bind = bind;
    this.portMap = portMap;
  }

  /** Binds the current listeners and follows every configuration update of {@code mesh}. */
  public void start(MeshClient mesh) {
    chains.providers(io.bowline.runtime.RuntimeMeshClient.of(mesh).serverListeners()::tlsHandle);
    chains.tcpMetrics(io.bowline.runtime.RuntimeMeshClient.of(mesh).istioMetrics().tcp());
    unsubscribe = mesh.onConfigUpdate(this::reconcileSoon);
    reconcileSoon();
  }

  /** The port bound for gateway listener port {@code listenerPort}, or -1 while it is not bound. */
  public int boundPort(int listenerPort) {
    return boundPorts.getOrDefault(listenerPort, -1);
  }

  /**
   * Waits until gateway listener port {@code listenerPort} is bound (woken by each bind, no polling).
   *
   * @param timeout how long to wait
   * @return the bound port, or -1 if it was not bound within {@code timeout}
   * @throws InterruptedException if interrupted while waiting
   */
  public int awaitBound(int listenerPort, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (boundPorts) {
      int port;
      long left;
      while ((port = boundPort(listenerPort)) < 0 && (left = deadline - System.nanoTime()) > 0) {
        TimeUnit.NANOSECONDS.timedWait(boundPorts, left);
      }
      return port;
    }
  }

  private void reconcileSoon() {
    try {
      reconciler.execute(this::reconcile);
    } catch (RejectedExecutionException closed) {
      // closing
    }
  }

  private void reconcile() {
    Map<Integer, SocketListener> wanted = new HashMap<>();
    for (SocketListener l : router.snapshot().gatewayListeners()) {
      wanted.putIfAbsent(l.port(), l);
    }
    for (Integer port : Set.copyOf(bound.keySet())) {
      if (!wanted.containsKey(port)) {
        log.info("listener on port {} removed; closing its socket", port);
        bound.remove(port).close().syncUninterruptibly();
        boundPorts.remove(port);
      }
    }
    wanted.forEach((port, listener) -> {
      if (!bound.containsKey(port)) {
        bind(port, listener);
      }
    });
  }

  private void bind(int port, SocketListener listener) {
    String address = listener.address().equals("0.0.0.0") || listener.address().equals("::") ? bind : listener.address();
    int localPort = portMap.applyAsInt(port);
    try {
      Channel c = transports.listener()
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              accept(ch, port);
            }
          })
          .bind(new InetSocketAddress(address, localPort)).syncUninterruptibly().channel();
      bound.put(port, c);
      synchronized (boundPorts) {
        boundPorts.put(port, ((InetSocketAddress) c.localAddress()).getPort());
        boundPorts.notifyAll();
      }
      failed.remove(port);
      log.info("listener {} bound on {}:{}", listener.name(), address, boundPorts.get(port));
    } catch (RuntimeException e) {
      if (failed.add(port)) {
        log.error("listener {}: cannot bind {}:{}: {}", listener.name(), address, localPort, e.toString());
      }
    }
  }

  /** A new connection on listener port {@code port}: the listener's chains as the configuration has them now. */
  private void accept(SocketChannel ch, int port) {
    SocketListener listener = router.snapshot().gatewayListener(port);
    if (listener == null) {
      ch.close();
      return;
    }
    if (listener.inspectsSni()) {
      ch.pipeline().addLast(new ChainSelector(listener, chains));
      return;
    }
    SocketListener.FilterChain chain = listener.select(null);
    if (chain == null) {
      ch.close();
      return;
    }
    chains.install(ch.pipeline(), listener, chain);
  }

  /** Stops following updates and closes the listening sockets (not the connections' event loops). */
  @Override
  public void close() {
    unsubscribe.run();
    reconciler.shutdown();
    try {
      reconciler.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    bound.values().forEach(c -> c.close().syncUninterruptibly());
    bound.clear();
    boundPorts.clear();
    chains.tcpAccessLogs.close();
  }
}
