package io.bowline.proxy.http2;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrame;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An upstream that speaks only HTTP/2 with prior knowledge (h2c): an HTTP/1.1 request gets its
 * connection closed (no preface). Each stream is answered 200 with body
 * {@code h2 <method> <path> <body bytes>} and header {@code x-request-trailers} listing the request's
 * trailers ({@code name=value;...}, sorted); every request is recorded.
 */
final class H2cOnlyServer implements AutoCloseable {
  /** A request the server received. */
  record Seen(String method, String path, String authority, long bodyBytes, Map<String, String> trailers) {}

  private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private final Channel server;
  private final List<Seen> seen = new CopyOnWriteArrayList<>();

  H2cOnlyServer() throws InterruptedException {
    server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline().addLast(Http2FrameCodecBuilder.forServer().build(),
                new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                  @Override
                  protected void initChannel(Http2StreamChannel stream) {
                    stream.pipeline().addLast(new StreamHandler());
                  }
                }));
          }
        }).bind("127.0.0.1", 0).sync().channel();
  }

  int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  List<Seen> seen() {
    return seen;
  }

  @Override
  public void close() {
    server.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
  }

  private final class StreamHandler extends SimpleChannelInboundHandler<Http2StreamFrame> {
    private Http2Headers request;
    private long bodyBytes;
    private final Map<String, String> trailers = new TreeMap<>();

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Http2StreamFrame frame) {
      boolean end;
      if (frame instanceof Http2HeadersFrame h) {
        if (request == null) {
          request = h.headers();
        } else {
          h.headers().forEach(e -> trailers.put(e.getKey().toString(), e.getValue().toString()));
        }
        end = h.isEndStream();
      } else if (frame instanceof Http2DataFrame d) {
        bodyBytes += d.content().readableBytes();
        end = d.isEndStream();
      } else {
        return;
      }
      if (end) {
        respond(ctx);
      }
    }

    private void respond(ChannelHandlerContext ctx) {
      String method = request.method().toString();
      String path = request.path().toString();
      seen.add(new Seen(method, path, String.valueOf(request.authority()), bodyBytes, Map.copyOf(trailers)));
      StringBuilder listed = new StringBuilder();
      trailers.forEach((k, v) -> listed.append(listed.length() == 0 ? "" : ";").append(k).append('=').append(v));
      ByteBuf body = Unpooled.copiedBuffer("h2 " + method + " " + path + " " + bodyBytes, StandardCharsets.UTF_8);
      Http2Headers headers = new DefaultHttp2Headers().status("200").set("content-type", "text/plain")
          .set("x-request-trailers", listed.toString());
      ctx.write(new DefaultHttp2HeadersFrame(headers));
      ctx.writeAndFlush(new DefaultHttp2DataFrame(body, true));
    }
  }
}
