package io.bowline.proxy.http2;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.function.Supplier;

/**
 * The server side of an HTTP/2 connection on a listener: each stream becomes a child channel that
 * reads and writes HTTP/1.1-shaped objects ({@code HttpRequest}, {@code HttpContent}, a
 * {@code LastHttpContent} carrying trailers), so one request handler serves both protocols.
 * Envoy's HTTP/2 defaults for a downstream: headers up to the listener's limit
 * ({@code max_request_headers_kb}), 100 concurrent streams per connection
 * ({@code max_concurrent_streams} as Istio sets it for sidecars is unlimited; 100 is
 * RFC 9113's recommended minimum and keeps one client from holding the event loop).
 */
public final class Http2Server {
  private Http2Server() {}

  /**
   * Installs HTTP/2 at the end of {@code p}.
   *
   * @param maxHeaderListBytes {@code SETTINGS_MAX_HEADER_LIST_SIZE}: a larger header block resets the stream
   * @param perStream the request handler of one stream (added after the HTTP object codec)
   */
  public static void install(ChannelPipeline p, int maxHeaderListBytes, Supplier<ChannelHandler> perStream) {
    Http2FrameCodec codec = Http2FrameCodecBuilder.forServer()
        .initialSettings(Http2Settings.defaultSettings().maxHeaderListSize(maxHeaderListBytes).maxConcurrentStreams(100))
        .validateHeaders(true)
        .build();
    p.addLast(codec, new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
      @Override
      protected void initChannel(Http2StreamChannel ch) {
        ch.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true, true), perStream.get());
      }
    }), new IdleConnectionCloser(codec));
  }

  /** {@code idle_timeout}: closes the connection when the idle timer fires and no stream is open. */
  private static final class IdleConnectionCloser extends ChannelInboundHandlerAdapter {
    private final Http2FrameCodec codec;

    IdleConnectionCloser(Http2FrameCodec codec) {
      this.codec = codec;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof IdleStateEvent && codec.connection().numActiveStreams() == 0) {
        ctx.close();
        return;
      }
      ctx.fireUserEventTriggered(evt);
    }
  }
}
