package io.bowline.proxy.gateway;

import io.bowline.api.config.ClusterOptions;
import io.bowline.api.config.Endpoint;
import io.bowline.api.config.SocketListener;
import io.bowline.api.config.WorkloadMetadata;
import io.bowline.proxy.Transports;
import io.bowline.proxy.outbound.EnvoyAddress;
import io.bowline.runtime.pipeline.OutboundRouter;
import io.bowline.runtime.telemetry.TcpAccessLogs;
import io.bowline.runtime.telemetry.TcpMetrics;
import io.bowline.runtime.telemetry.format.AccessLogFormat;
import io.bowline.runtime.upstream.ClusterEntry;
import io.bowline.runtime.upstream.ClusterResilience;
import io.bowline.runtime.upstream.circuitbreaker.ClusterCircuitBreaker;
import io.bowline.runtime.upstream.lb.UpstreamHost;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Envoy's {@code tcp_proxy} (a gateway's PASSTHROUGH filter chain, a sidecar's outbound TCP listener): picks the
 * cluster (by weight), a host of it (the cluster's load balancer, past outlier ejections), connects on the
 * downstream connection's event loop within the cluster's {@code connect_timeout} and relays bytes untouched both
 * ways, with back-pressure (a side that cannot write stops the other side's reads). Bytes that arrive before
 * the upstream connection is up (a ClientHello the SNI was read from, a client that speaks first) are held and
 * sent first. As Envoy, the downstream connection is closed without a byte when the cluster has no host
 * ({@code UH}), {@code max_connections} upstream connections of the cluster are open ({@code UO}), or the
 * connection is refused or times out ({@code UF}); each is logged with its flag. Each connection is counted in
 * Istio's {@code istio_tcp_*} metrics ({@link TcpMetrics}): opened once its upstream connection is made (or
 * refused, with the flag), bytes as they are relayed, closed when the downstream connection closes; then the
 * {@code tcp_proxy}'s {@code access_log} gets its line ({@link TcpAccessLogs}).
 */
final class TcpForward extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(TcpForward.class);

  private final OutboundRouter router;
  private final Transports transports;
  private final SocketListener.TcpProxy proxy;
  private final TcpMetrics metrics;
  private final TcpAccessLogs accessLogs;
  private final List<Object> pending = new ArrayList<>();
  private Channel upstream;
  private TcpMetrics.Connection counted;
  // the access log line's values
  private final long startMillis = System.currentTimeMillis();
  private final long startNanos = System.nanoTime();
  private String clusterName;
  private String upstreamHost;
  private String flags = "";
  private long received;
  private long sent;

  /**
   * @param metrics where the connection is counted, or {@code null} for nowhere
   * @param accessLogs where the {@code tcp_proxy}'s access logs go, or {@code null} for nowhere
   */
  TcpForward(OutboundRouter router, Transports transports, SocketListener.TcpProxy proxy, TcpMetrics metrics,
      TcpAccessLogs accessLogs) {
    this.router = router;
    this.transports = transports;
    this.proxy = proxy;
    this.metrics = metrics;
    this.accessLogs = accessLogs;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    Channel downstream = ctx.channel();
    String clusterName = pickCluster();
    this.clusterName = clusterName;
    downstream.closeFuture().addListener(f -> closed(downstream));
    ClusterEntry cluster = router.cluster(clusterName);
    ClusterResilience resilience = cluster == null ? null : router.resilience().cluster(cluster);
    UpstreamHost host = resilience == null ? null
        : resilience.pick(cluster.balancing().balancer(), 0, null, 0);
    if (host == null) {
      refuse(downstream, clusterName, null, "UH", "no healthy host");
      return;
    }
    ClusterCircuitBreaker breaker = resilience.circuitBreaker();
    if (!breaker.tryAcquireConnection(cluster.cluster().resilience().circuitBreakers())) {
      refuse(downstream, clusterName, host, "UO", "max_connections reached");
      return;
    }
    downstream.closeFuture().addListener(f -> breaker.releaseConnection());
    Endpoint e = host.endpoint();
    upstreamHost = e.hostPort();
    long connectTimeoutMs = cluster.cluster().options() == null
        ? ClusterOptions.DEFAULT_CONNECT_TIMEOUT_MS : cluster.cluster().options().connectTimeoutMs();
    downstream.config().setAutoRead(false);
    new Bootstrap().group(downstream.eventLoop()).channel(transports.channel())
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeoutMs))
        .handler(new Relay(downstream, this))
        .connect(e.address(), e.port())
        .addListener((ChannelFutureListener) f -> {
          if (!f.isSuccess()) {
            release();
            refuse(downstream, clusterName, host, "UF", "connect to " + e.hostPort() + " failed: " + f.cause());
            return;
          }
          upstream = f.channel();
          if (metrics != null) {
            TcpMetrics.Connection c = metrics.opened(clusterName, host.endpoint().workload());
            counted = c;
            for (Object msg : pending) {
              received(msg);
            }
          }
          for (Object msg : pending) {
            upstream.write(msg);
          }
          pending.clear();
          upstream.flush();
          downstream.config().setAutoRead(true);
        });
  }

  /** Closes the downstream connection without a byte, logging and counting Envoy's response flag. */
  private void refuse(Channel downstream, String cluster, UpstreamHost host, String flag, String why) {
    log.debug("tcp_proxy {} -> {}: {} ({})", downstream.remoteAddress(), cluster, why, flag);
    flags = flag;
    if (host != null) {
      upstreamHost = host.endpoint().hostPort();
    }
    if (metrics != null) {
      metrics.refused(cluster, host == null ? WorkloadMetadata.NONE : host.endpoint().workload(), flag);
    }
    downstream.close();
  }

  /** Counts bytes read from the downstream connection. */
  private void received(Object msg) {
    if (msg instanceof ByteBuf b) {
      received += b.readableBytes();
      if (counted != null) {
        counted.received(b.readableBytes());
      }
    }
  }

  /** Counts bytes relayed to the downstream connection. */
  private void sent(Object msg) {
    if (msg instanceof ByteBuf b) {
      sent += b.readableBytes();
      if (counted != null) {
        counted.sent(b.readableBytes());
      }
    }
  }

  /** The downstream connection closed: counted closed, and the access log line written. */
  private void closed(Channel downstream) {
    if (counted != null) {
      counted.closed();
    }
    if (accessLogs != null && !proxy.accessLogs().isEmpty()) {
      accessLogs.log(proxy.accessLogs(), new AccessLogFormat.Connection(startMillis, System.nanoTime() - startNanos,
          received, sent, upstreamHost, clusterName, flags, EnvoyAddress.of(downstream.remoteAddress()),
          EnvoyAddress.of(downstream.localAddress()), null));
    }
  }

  private String pickCluster() {
    List<SocketListener.WeightedCluster> clusters = proxy.clusters();
    if (clusters.size() == 1) {
      return clusters.get(0).name();
    }
    int total = clusters.stream().mapToInt(SocketListener.WeightedCluster::weight).sum();
    int r = ThreadLocalRandom.current().nextInt(total);
    for (SocketListener.WeightedCluster w : clusters) {
      r -= w.weight();
      if (r < 0) {
        return w.name();
      }
    }
    return clusters.get(clusters.size() - 1).name();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (upstream == null) {
      pending.add(msg);
      return;
    }
    received(msg);
    upstream.writeAndFlush(msg);
    if (!upstream.isWritable()) {
      ctx.channel().config().setAutoRead(false);
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (upstream != null) {
      upstream.config().setAutoRead(ctx.channel().isWritable());
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    release();
    if (upstream != null) {
      upstream.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }

  private void release() {
    pending.forEach(ReferenceCountUtil::release);
    pending.clear();
  }

  /** The upstream side: what it reads goes to the downstream connection. */
  private static final class Relay extends ChannelInboundHandlerAdapter {
    private final Channel downstream;
    private final TcpForward forward;

    Relay(Channel downstream, TcpForward forward) {
      this.downstream = downstream;
      this.forward = forward;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      forward.sent(msg);
      downstream.writeAndFlush(msg);
      if (!downstream.isWritable()) {
        ctx.channel().config().setAutoRead(false);
      }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
      downstream.config().setAutoRead(ctx.channel().isWritable());
      ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      downstream.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
