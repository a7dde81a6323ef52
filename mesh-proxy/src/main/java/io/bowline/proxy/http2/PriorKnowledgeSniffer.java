package io.bowline.proxy.http2;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import java.util.function.Consumer;

/**
 * First handler of a cleartext listener connection: tells HTTP/2 with prior knowledge (RFC 9113
 * §3.3, the client connection preface {@code PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n}) from HTTP/1.1 on
 * its first bytes, as Envoy's HTTP connection manager with {@code codec_type: AUTO} does. It
 * decides at the first byte that differs from the preface (so an HTTP/1.1 request is never
 * delayed), hands the pipeline to {@code http2} on a full preface, and then removes itself; the
 * bytes read so far go on to whatever follows it. A plain handler, not a {@link ByteToMessageDecoder}:
 * it holds bytes only while they are a proper prefix of the preface, and adds no receiver to that
 * class's decode call site, which the HTTP/1.1 decoders' reads went through.
 */
public final class PriorKnowledgeSniffer extends ChannelInboundHandlerAdapter {
  private static final ByteBuf PREFACE = Http2CodecUtil.connectionPrefaceBuf();

  private final Consumer<ChannelPipeline> http2;
  /** The first bytes while they could still be either protocol's, or {@code null}. */
  private ByteBuf held;

  /**
   * @param http2 replaces the HTTP/1.1 handlers after this one with HTTP/2's (called on the event
   *     loop, before the preface is passed on)
   */
  public PriorKnowledgeSniffer(Consumer<ChannelPipeline> http2) {
    this.http2 = http2;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf read)) {
      ctx.fireChannelRead(msg);
      return;
    }
    ByteBuf in = held == null ? read : ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(ctx.alloc(), held, read);
    held = null;
    int n = Math.min(in.readableBytes(), PREFACE.readableBytes());
    boolean matches = ByteBufUtil.equals(in, in.readerIndex(), PREFACE, PREFACE.readerIndex(), n);
    if (matches && n < PREFACE.readableBytes()) {
      held = in; // could still be either: wait for more
      return;
    }
    if (matches) {
      http2.accept(ctx.pipeline());
    }
    ctx.pipeline().remove(this);
    ctx.fireChannelRead(in); // to what follows, from where this handler was
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    release();
    ctx.fireChannelInactive();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    release();
  }

  private void release() {
    if (held != null) {
      held.release();
      held = null;
    }
  }
}
