package io.bowline.proxy.outbound;

import io.bowline.proxy.http1.Http1Response;
import io.bowline.proxy.http1.Http1ResponseDecoder;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;

/**
 * One pooled HTTP/1.1 connection to an upstream, the last handler of its pipeline: hands the
 * response of the request in progress to that request's {@link Listener}, drops interim (1xx)
 * responses, and tells the pool when an idle connection closes. Used on its event loop only.
 */
final class UpstreamConnection extends ChannelInboundHandlerAdapter {

  /** The request in progress on the connection. */
  interface Listener {
    void onHead(HttpResponse head);

    /** Takes ownership of {@code content}. */
    void onContent(HttpContent content);

    /** A batch of reads ended: flush what was passed on. */
    void onReadComplete();

    /** The connection closed or failed. */
    void onClosed(Throwable cause);

    /** The connection's writability changed (for request-body flow control). */
    void onWritable(boolean writable);
  }

  private final UpstreamPool pool;
  private final UpstreamPool.Key key;
  /** The byte-level response decoder of an HTTP/1.1 connection; {@code null} on an HTTP/2 stream. */
  private final Http1ResponseDecoder decoder;
  private Channel channel;
  private ChannelHandlerContext raw;
  private Listener listener;
  private boolean interim;
  /** A 101 was received: what follows is the upgraded protocol's bytes. */
  private boolean upgraded;
  private boolean closed;
  /** Requests sent on this connection before the current one (a reused connection may be stale). */
  int served;

  UpstreamConnection(UpstreamPool pool, UpstreamPool.Key key, Http1ResponseDecoder decoder) {
    this.pool = pool;
    this.key = key;
    this.decoder = decoder;
  }

  /** Tells an HTTP/1.1 connection's decoder whether the next response answers a {@code HEAD} (no body). */
  void expectResponseTo(boolean head) {
    if (decoder != null) {
      decoder.expectResponseTo(head);
    }
  }

  Channel channel() {
    return channel;
  }

  UpstreamPool.Key key() {
    return key;
  }

  boolean closed() {
    return closed;
  }

  void listener(Listener l) {
    this.listener = l;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    channel = ctx.channel();
    raw = decoder == null ? null : ctx.pipeline().context(HttpRequestEncoder.class);
  }

  /**
   * Where an HTTP/1.1 request already encoded as bytes is written: before the request encoder, so it
   * reaches the connection unchanged ({@code null} on an HTTP/2 stream).
   */
  ChannelHandlerContext raw() {
    return raw;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpResponse head) {
      if (head.decoderResult().isFailure()) { // not HTTP/1.1 (an h2c-only server's SETTINGS): a protocol error
        ReferenceCountUtil.release(msg);
        exceptionCaught(ctx, new IOException("upstream " + key + " protocol error: " + head.decoderResult().cause()));
        return;
      }
      int code = head instanceof Http1Response raw ? raw.code() : head.status().code(); // no status object read
      if (code >= 100 && code < 200 && code != HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
        interim = true; // 100 Continue and friends: the final response follows
        ReferenceCountUtil.release(msg);
        return;
      }
      interim = false;
      if (listener == null && decoder != null) { // a response no request asked for: the connection is not reused
        ReferenceCountUtil.release(msg);
        ctx.close();
        return;
      }
      upgraded = code == HttpResponseStatus.SWITCHING_PROTOCOLS.code();
      if (listener != null) {
        listener.onHead(head);
      }
      if (msg instanceof FullHttpResponse full) { // an HTTP/2 stream its headers ended: its (empty) end follows the head
        deliver(new DefaultLastHttpContent(full.content(), full.trailingHeaders()));
      }
      return;
    }
    if (msg instanceof HttpContent c) {
      if (interim) {
        if (c instanceof LastHttpContent) {
          interim = false;
        }
        c.release();
        return;
      }
      deliver(c);
      return;
    }
    if (upgraded && msg instanceof ByteBuf b) { // the upgraded stream's first bytes, before the tunnel takes over
      deliver(new DefaultHttpContent(b));
      return;
    }
    ReferenceCountUtil.release(msg);
  }

  private void deliver(HttpContent c) {
    if (listener != null) {
      listener.onContent(c);
    } else {
      c.release();
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (listener != null) {
      listener.onReadComplete();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (listener != null) {
      listener.onWritable(ctx.channel().isWritable());
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    closed = true;
    pool.forget(this);
    Listener l = listener;
    listener = null;
    if (l != null) {
      l.onClosed(new IOException("upstream connection to " + key + " closed"));
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    Listener l = listener;
    listener = null;
    ctx.close();
    if (l != null) {
      l.onClosed(cause);
    }
  }
}
