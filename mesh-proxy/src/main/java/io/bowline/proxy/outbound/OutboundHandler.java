package io.bowline.proxy.outbound;

import io.bowline.proxy.http1.BadRequest;
import io.bowline.proxy.http1.Http1Request;
import io.bowline.proxy.http1.Http1RequestDecoder;
import io.bowline.proxy.tunnel.Splice;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.bowline.proxy.http1.Http1ResponseDecoder;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponseEncoder;
import java.util.List;
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
  private final boolean http2;
  private ChannelHandlerContext ctx;
  /** The response encoder's context: bytes written there reach the connection as they are. */
  private ChannelHandlerContext raw;
  private UpstreamPool pool;
  private OutboundExchange exchange;
  private boolean closeAfter;
  private boolean refused;
  /** The scheduler of this connection's exchanges, made with the first ({@link #scheduler}). */
  private LoopScheduler scheduler;
  /** The downstream connection's addresses in Envoy's form, made when an access log first asks. */
  private String remoteAddress;
  private String localAddress;
  /** Inside {@link #channelRead}: upstream flushes wait for its end ({@link #flushUpstream}). */
  private boolean reading;
  /** The upstream connection written to inside {@link #channelRead}, flushed when it returns; else {@code null}. */
  private ChannelHandlerContext upstreamFlush;

  /**
   * @param listener what the listener does with requests
   * @param pools the upstream connection pools
   * @param decoder this connection's request decoder (resumed after each response)
   */
  public OutboundHandler(ProxyListener listener, UpstreamPools pools, Http1RequestDecoder decoder) {
    this(listener, pools, decoder, false);
  }

  private OutboundHandler(ProxyListener listener, UpstreamPools pools, Http1RequestDecoder decoder, boolean http2) {
    this.listener = listener;
    this.pools = pools;
    this.decoder = decoder;
    this.http2 = http2;
  }

  /**
   * The handler of one HTTP/2 stream (a child channel reading HTTP/1.1-shaped objects): one
   * request, whose upstream attempts use HTTP/2 too (Envoy's {@code USE_DOWNSTREAM_PROTOCOL}).
   */
  public static OutboundHandler forStream(ProxyListener listener, UpstreamPools pools) {
    return new OutboundHandler(listener, pools, null, true);
  }

  /**
   * The {@code CallScheduler} of this connection's exchanges, one at a time on its event loop: one per connection,
   * which has one exchange in progress at a time (a task of an exchange that ended still runs on it, in order).
   */
  LoopScheduler scheduler() {
    LoopScheduler s = scheduler;
    if (s == null) {
      s = new LoopScheduler(ctx.executor());
      scheduler = s;
    }
    return s;
  }

  /** Whether the downstream speaks HTTP/2 (this handler serves one stream). */
  boolean http2() {
    return http2;
  }

  ProxyListener listener() {
    return listener;
  }

  /** The downstream connection's remote {@code address:port} (an HTTP/2 stream's: its connection's). */
  String downstreamRemoteAddress() {
    if (remoteAddress == null && ctx != null) {
      remoteAddress = EnvoyAddress.of(ctx.channel().remoteAddress());
    }
    return remoteAddress;
  }

  /** The listener's {@code address:port} the downstream connected to. */
  String downstreamLocalAddress() {
    if (localAddress == null && ctx != null) {
      localAddress = EnvoyAddress.of(ctx.channel().localAddress());
    }
    return localAddress;
  }

  UpstreamPool pool() {
    return pool;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    this.pool = pools.of(ctx.channel().eventLoop());
    this.raw = http2 ? null : ctx.pipeline().context(HttpResponseEncoder.class);
  }

  /**
   * Where an HTTP/1.1 response already encoded as bytes is written: before the response encoder, so
   * it reaches the connection unchanged ({@code null} on an HTTP/2 stream).
   */
  ChannelHandlerContext raw() {
    return raw;
  }

  /**
   * Flushes {@code upstream}, an upstream connection a request was written to: at once, or, inside
   * {@link #channelRead}, when it returns. The request's syscall then comes after the exchange's own work
   * (routing, the router's start, the exchange's bookkeeping), which so runs before the kernel's loopback work
   * evicts what it touches from the core's caches, not after.
   */
  void flushUpstream(ChannelHandlerContext upstream) {
    if (!reading) {
      upstream.flush();
      return;
    }
    ChannelHandlerContext waiting = upstreamFlush;
    if (waiting != null && waiting != upstream) {
      waiting.flush();
    }
    upstreamFlush = upstream;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (reading) { // a request decoded from inside this one's handling: the outer call flushes
      read(ctx, msg);
      return;
    }
    reading = true;
    try {
      read(ctx, msg);
    } finally {
      reading = false;
      ChannelHandlerContext upstream = upstreamFlush;
      if (upstream != null) {
        upstreamFlush = null;
        upstream.flush();
      }
    }
  }

  private void read(ChannelHandlerContext ctx, Object msg) {
    if (refused) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof BadRequest bad) {
      refuse(bad.status(), bad.reason());
      return;
    }
    if (msg instanceof HttpRequest request) {
      if (listener.forwardedProto() != null) {
        forwardedProto(request, listener.forwardedProto());
      }
      if (UpgradeConfigs.rejected(request, http2)) {
        ReferenceCountUtil.release(msg);
        refuse(403, null); // Envoy: 403, empty body, details upgrade_failed
        return;
      }
      Target target;
      try {
        target = Target.of(request.uri(), Http1Request.header(request, "host"));
      } catch (Target.Invalid e) {
        refuse(e.status, e.getMessage());
        return;
      }
      String expect = Http1Request.header(request, "expect");
      if (expect != null && request.headers().containsValue(HttpHeaderNames.EXPECT, HttpHeaderValues.CONTINUE, true)) {
        // the body is read (and buffered) before the request is routed
        ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
      }
      closeAfter = false;
      exchange = new OutboundExchange(this, ctx, request, target);
      exchange.begin();
      if (!(msg instanceof HttpContent)) {
        return;
      }
      // an HTTP/2 stream whose headers ended it: a full request, its (empty) body follows below
    }
    if (msg instanceof HttpContent content) {
      if (http2 && content instanceof LastHttpContent) {
        ctx.channel().config().setAutoRead(false); // the stream's request is all read
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

  /** A gateway's {@code x-forwarded-proto}, over what the client sent ({@link ProxyListener#forwardedProto}). */
  private static void forwardedProto(HttpRequest request, String scheme) {
    if (request instanceof Http1Request received) {
      received.set("x-forwarded-proto", scheme); // no header map
    } else {
      request.headers().set("x-forwarded-proto", scheme);
    }
  }

  /**
   * Answers {@code status} with {@code reason} (no body when {@code null}), closes the connection, and reads
   * nothing more from it.
   */
  private void refuse(int status, String reason) {
    refused = true;
    if (exchange != null) {
      exchange.downstreamClosed();
      exchange = null;
    }
    byte[] body = reason == null ? new byte[0] : (reason + "\n").getBytes(StandardCharsets.UTF_8);
    DefaultFullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
        Unpooled.wrappedBuffer(body));
    res.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
    res.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.length);
    res.headers().set(HttpHeaderNames.CONNECTION, "close");
    ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
  }

  /**
   * The exchange's upgrade was accepted (101, already written): the connection becomes a byte
   * tunnel to {@code upstream}, {@code early} (bytes the upstream sent after its head) first.
   */
  void tunnel(OutboundExchange done, Channel upstream, List<ByteBuf> early) {
    if (exchange != done) {
      return;
    }
    exchange = null;
    ChannelPipeline p = ctx.pipeline();
    Splice.join(ctx.channel(), upstream);
    p.remove(HttpResponseEncoder.class);
    for (ByteBuf b : early) {
      ctx.channel().write(b, ctx.channel().voidPromise());
    }
    ctx.channel().flush();
    // removing the decoders hands the bytes they hold to the splices
    upstream.pipeline().remove(UpstreamConnection.class);
    upstream.pipeline().remove(Http1ResponseDecoder.class);
    upstream.pipeline().remove(HttpRequestEncoder.class);
    p.remove(this);
    p.remove(decoder);
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
    if (http2) {
      if (closeAfter) {
        ctx.close(); // the request body did not end: the stream is reset
      }
      return;
    }
    if (closeAfter) {
      ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
      return;
    }
    decoder.resume(ctx.pipeline().context(decoder));
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (http2 && exchange != null) {
      exchange.readBatchEnded();
    }
    ctx.fireChannelReadComplete();
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
