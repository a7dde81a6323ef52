import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.*;
import io.netty.channel.epoll.*;
import io.netty.handler.codec.http.*;
import io.netty.util.ReferenceCountUtil;

/**
 * The RSS floor of an HTTP/1.1 proxy on this JVM (issue 17, P4's RSS goal): Netty's epoll transport, {@code
 * HttpServerCodec} in, {@code HttpClientCodec} out, one upstream connection per downstream one, each message passed
 * on as decoded, the {@code Host} header set; with {@code metrics}, also one Micrometer counter increment into a
 * {@code PrometheusMeterRegistry} per response. No xDS, routing, telemetry or admin: the least a Netty proxy of
 * bowline-proxy's libraries loads. Run by {@code floor.sh} (not part of the build).
 *
 * <p>Usage: {@code java NettyFloor LISTEN_PORT UPSTREAM_PORT [metrics]}.
 */
public final class NettyFloor {
  public static void main(String[] a) throws Exception {
    int port = Integer.parseInt(a[0]);
    int up = Integer.parseInt(a[1]);
    boolean metrics = a.length > 2 && a[2].equals("metrics");
    Object[] reg = new Object[1];
    if (metrics) {
      reg[0] = new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
    }
    EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    new ServerBootstrap().group(loop).channel(EpollServerSocketChannel.class)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override protected void initChannel(Channel down) {
            down.config().setAutoRead(false);
            Channel upCh = new Bootstrap().group(down.eventLoop()).channel(EpollSocketChannel.class)
                .handler(new ChannelInitializer<Channel>() {
                  @Override protected void initChannel(Channel c) {
                    c.pipeline().addLast(new HttpClientCodec(), new ChannelInboundHandlerAdapter() {
                      @Override public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        if (msg instanceof LastHttpContent && reg[0] != null) {
                          ((io.micrometer.core.instrument.MeterRegistry) reg[0]).counter("istio_requests_total", "response_code", "200").increment();
                        }
                        down.writeAndFlush(msg);
                      }
                    });
                  }
                }).connect("127.0.0.1", up).addListener(f -> down.config().setAutoRead(true)).channel();
            down.pipeline().addLast(new HttpServerCodec(), new ChannelInboundHandlerAdapter() {
              @Override public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof HttpRequest r) { r.headers().set("host", "echo"); }
                upCh.writeAndFlush(msg);
              }
              @Override public void channelInactive(ChannelHandlerContext ctx) { upCh.close(); }
            });
          }
        }).bind(port).sync();
    Thread.currentThread().join();
  }
}
