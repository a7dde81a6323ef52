package io.bowline.proxy.outbound;

import io.bowline.proxy.http1.BadRequest;
import io.bowline.proxy.http1.Http1RequestDecoder;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;

/**
 * One downstream connection of a listener: takes what {@link Http1RequestDecoder} decodes, one
 * request at a time, into an {@link OutboundExchange}; answers a {@link BadRequest} (or a target it
 * cannot route) and closes the connection; closes an idle connection that has no request in
 * progress; passes writability both ways for flow control.
 */
public final class OutboundHandler extends ChannelInboundHandlerAdapter {
  private final ProxyListener listener;
  private final UpstreamPools pools;
  private final Http1RequestDecoder decoder;
  private ChannelHandlerContext ctx;
  private UpstreamPool pool;
  private OutboundExchange exchange;
  private boolean closeAfter;
  private boolean refused;

  /**
   * @param listener what the listener does with requests
   * @param pools the upstream connection pools
   * @param decoder this connection's request decoder (resumed after each response)
   */
  public OutboundHandler(ProxyListener listener, UpstreamPools pools, Http1RequestDecoder decoder) {
    this.listener = listener;
    this.pools = pools;
    this.decoder = decoder;
  }

  ProxyListener listener() {
    return listener;
  }

  UpstreamPool pool() {
    return pool;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    this.pool = pools.of(ctx.channel().eventLoop());
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (refused) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof BadRequest bad) {
      refuse(bad.status(), bad.reason());
      return;
    }
    if (msg instanceof HttpRequest request) {
      Target target;
      try {
        target = Target.of(request.uri(), request.headers().get(HttpHeaderNames.HOST));
      } catch (Target.Invalid e) {
        refuse(e.status, e.getMessage());
        return;
      }
      if (request.headers().containsValue(HttpHeaderNames.EXPECT, HttpHeaderValues.CONTINUE, true)) {
        // the body is read (and buffered) before the request is routed
        ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
      }
      closeAfter = false;
      exchange = new OutboundExchange(this, ctx, request, target);
      exchange.begin();
      return;
    }
    if (msg instanceof HttpContent content) {
      if (content instanceof LastHttpContent) {
        ctx.channel().config().setAutoRead(false); // the decoder waits until the response is sent
      }
      if (exchange == null) {
        content.release();
        return;
      }
      exchange.requestContent(content);
      return;
    }
    ReferenceCountUtil.release(msg);
  }

  /** Answers {@code status} with {@code reason}, closes the connection, and reads nothing more from it. */
  private void refuse(int status, String reason) {
    refused = true;
    if (exchange != null) {
      exchange.downstreamClosed();
      exchange = null;
    }
    byte[] body = (reason + "\n").getBytes(StandardCharsets.UTF_8);
    DefaultFullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
        Unpooled.wrappedBuffer(body));
    res.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
    res.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.length);
    res.headers().set(HttpHeaderNames.CONNECTION, "close");
    ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
  }

  /** Whether the connection closes once the current response is sent. */
  void closeAfterResponse(boolean close) {
    this.closeAfter = close;
  }

  /** The exchange's response has been written: the next request may be read, or the connection closes. */
  void exchangeDone(OutboundExchange done) {
    if (exchange != done) {
      return;
    }
    exchange = null;
    if (closeAfter) {
      ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
      return;
    }
    decoder.resume(ctx.pipeline().context(decoder));
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (exchange != null) {
      exchange.downstreamWritable(ctx.channel().isWritable());
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent && exchange == null) {
      ctx.close(); // idle_timeout: no request in progress
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (exchange != null) {
      exchange.downstreamClosed();
      exchange = null;
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }
}
