package io.bowline.benchmarks;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * P1's backend on Netty's HTTP/1.1 codec ({@code -Dp1.backend=netty}): answers every request with the same 1 KB body
 * as the JDK {@code HttpServer} backend ({@link EndToEndFixture#serveKilobyte}), keep-alive, on one event loop thread
 * of its own ({@value #THREAD}, so that its CPU can be read apart). A production-grade server's cost per request and
 * per header byte, against the JDK server's, which reads a request's head a byte at a time through a synchronized
 * stream and hands each exchange from its dispatcher thread to a handler thread.
 */
final class NettyKilobyteServer implements AutoCloseable {
  /** The event loop thread's name prefix. */
  static final String THREAD = "p1-netty-backend";

  private final EventLoopGroup loop;
  private final Channel server;

  NettyKilobyteServer() throws InterruptedException {
    byte[] body = new byte[1024];
    Arrays.fill(body, (byte) 'x');
    ByteBuf kilobyte = Unpooled.unreleasableBuffer(Unpooled.directBuffer(body.length).writeBytes(body));
    loop = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory(THREAD, true), NioIoHandler.newFactory());
    server = new ServerBootstrap().group(loop).channel(NioServerSocketChannel.class)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new HttpServerCodec(), new SimpleChannelInboundHandler<HttpObject>() {
              @Override
              protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
                if (msg instanceof HttpRequest request) {
                  FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                      kilobyte.duplicate());
                  response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
                  HttpUtil.setKeepAlive(response, HttpUtil.isKeepAlive(request));
                  ctx.writeAndFlush(response);
                }
              }
            });
          }
        }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
  }

  /** The loopback port it listens on. */
  int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  @Override
  public void close() {
    server.close().awaitUninterruptibly();
    loop.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly();
  }
}
