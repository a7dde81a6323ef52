package io.bowline.proxy.gateway;

import io.bowline.proxy.http2.Http2Server;
import io.bowline.proxy.http2.PriorKnowledgeSniffer;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * A loopback application that speaks HTTP/1.1 and HTTP/2 with prior knowledge on one port (the gateway's
 * upstream attempts speak the downstream's protocol) and answers
 * {@code <name> <path> host=<Host or :authority> xfp=<x-forwarded-proto> proto=<HTTP/1.1|HTTP/2>}.
 */
final class H2cAndHttp1App implements AutoCloseable {
  private final EventLoopGroup group = new NioEventLoopGroup(1);
  private final Channel server;

  H2cAndHttp1App(String name) {
    server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            HttpServerCodec codec = new HttpServerCodec();
            HttpObjectAggregator aggregator = new HttpObjectAggregator(1 << 20);
            ChannelHandler http1 = new Answer(name, "HTTP/1.1");
            ch.pipeline().addLast(new PriorKnowledgeSniffer(p -> {
              p.remove(codec);
              p.remove(aggregator);
              p.remove(http1);
              Http2Server.install(p, 64 * 1024, () -> new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel stream) {
                  stream.pipeline().addLast(new HttpObjectAggregator(1 << 20), new Answer(name, "HTTP/2"));
                }
              });
            }), codec, aggregator, http1);
          }
        })
        .bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel();
  }

  int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  @Override
  public void close() {
    server.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
  }

  private static final class Answer extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final String name;
    private final String protocol;

    Answer(String name, String protocol) {
      this.name = name;
      this.protocol = protocol;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
      String host = request.headers().get(HttpHeaderNames.HOST, request.headers().get(":authority"));
      byte[] body = (name + " " + request.uri() + " host=" + host + " xfp=" + request.headers().get("x-forwarded-proto")
          + " proto=" + protocol + "\n").getBytes(StandardCharsets.UTF_8);
      FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
          Unpooled.wrappedBuffer(body));
      response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain").setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
      ctx.writeAndFlush(response);
    }
  }
}
