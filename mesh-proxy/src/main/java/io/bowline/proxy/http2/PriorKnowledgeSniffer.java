package io.bowline.proxy.http2;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http2.Http2CodecUtil;
import java.util.List;
import java.util.function.Consumer;

/**
 * First handler of a cleartext listener connection: tells HTTP/2 with prior knowledge (RFC 9113
 * §3.3, the client connection preface {@code PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n}) from HTTP/1.1 on
 * its first bytes, as Envoy's HTTP connection manager with {@code codec_type: AUTO} does. It
 * decides at the first byte that differs from the preface (so an HTTP/1.1 request is never
 * delayed), hands the pipeline to {@code http2} on a full preface, and then removes itself; the
 * bytes read so far go on to whatever follows it.
 */
public final class PriorKnowledgeSniffer extends ByteToMessageDecoder {
  private static final ByteBuf PREFACE = Http2CodecUtil.connectionPrefaceBuf();

  private final Consumer<ChannelPipeline> http2;

  /**
   * @param http2 replaces the HTTP/1.1 handlers after this one with HTTP/2's (called on the event
   *     loop, before the preface is passed on)
   */
  public PriorKnowledgeSniffer(Consumer<ChannelPipeline> http2) {
    this.http2 = http2;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    int n = Math.min(in.readableBytes(), PREFACE.readableBytes());
    boolean matches = ByteBufUtil.equals(in, in.readerIndex(), PREFACE, PREFACE.readerIndex(), n);
    if (matches && n < PREFACE.readableBytes()) {
      return; // could still be either: wait for more
    }
    if (matches) {
      http2.accept(ctx.pipeline());
    }
    ctx.pipeline().remove(this); // passes the buffered bytes on
  }
}
