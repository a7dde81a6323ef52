package io.bowline.proxy.xds;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP/2 connection to an xDS server, after Netty's frame codec and multiplexer: opens each gRPC stream as
 * an HTTP/2 stream channel (read on demand, so Netty returns the flow-control window as responses are read), and
 * notes the server's {@code GOAWAY}, after which it takes no new stream. Confined to the connection's event loop.
 */
final class GrpcConnection extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(GrpcConnection.class);

  private final Channel channel;
  private String goAway;

  GrpcConnection(Channel channel) {
    this.channel = channel;
  }

  /** Whether a new stream may be opened here: no {@code GOAWAY} received. */
  boolean takesStreams() {
    return goAway == null;
  }

  /** The {@code GOAWAY} received, for messages: empty if none. */
  String goAway() {
    return goAway == null ? "" : " after " + goAway;
  }

  /** Opens {@code stream}'s HTTP/2 stream on this connection. */
  void open(GrpcStream<?, ?> stream) {
    new Http2StreamChannelBootstrap(channel).option(ChannelOption.AUTO_READ, false).handler(stream).open()
        .addListener(f -> {
          if (f.isSuccess()) {
            stream.opened((Http2StreamChannel) f.getNow());
          } else {
            stream.fail("UNAVAILABLE", "cannot open an HTTP/2 stream" + goAway() + ": " + f.cause());
          }
        });
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof Http2GoAwayFrame g) {
      goAway = "GOAWAY " + Http2Error.valueOf(g.errorCode()) + " (last stream " + g.lastStreamId() + ")";
      log.debug("xDS server sent {}", goAway);
    }
    ReferenceCountUtil.release(msg);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("xDS connection error; closing it", cause);
    ctx.close();
  }

  /** The gRPC code of an {@code RST_STREAM} error code (the gRPC over HTTP/2 spec's table). */
  static String resetCode(long errorCode) {
    Http2Error e = Http2Error.valueOf(errorCode);
    if (e == null) {
      return "INTERNAL";
    }
    return switch (e) {
      case REFUSED_STREAM -> "UNAVAILABLE";
      case CANCEL -> "CANCELLED";
      case ENHANCE_YOUR_CALM -> "RESOURCE_EXHAUSTED";
      case INADEQUATE_SECURITY -> "PERMISSION_DENIED";
      default -> "INTERNAL";
    };
  }
}
