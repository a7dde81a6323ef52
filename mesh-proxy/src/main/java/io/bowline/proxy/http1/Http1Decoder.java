package io.bowline.proxy.http1;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderException;

/**
 * The read side the two HTTP/1.1 decoders share, in place of Netty's {@link ByteToMessageDecoder}
 * (whose {@code decode} call site sees every decoder of the process and is never inlined): a read
 * buffer is decoded where it is, and only the bytes of a message that spans reads are held (that
 * buffer, grown by the next read's bytes). Messages go on as they are decoded ({@link #emit}), with no
 * output list in between, so a subclass sets its state before it emits (a handler may call back into
 * it, on the same stack, from what it is passed).
 *
 * <p>As ByteToMessageDecoder: a decoder removed from its pipeline passes the bytes it holds on to
 * what follows it (once {@link #decode} has returned, if it is removed from inside it); when the
 * connection's input closes {@link #decodeLast} has the held bytes; when nothing was passed on in a
 * read batch and reading is off, one more read is asked for; a failure to decode is a
 * {@link DecoderException}, and the bytes held are dropped with it.
 */
public abstract class Http1Decoder extends ChannelInboundHandlerAdapter {
  private ChannelHandlerContext ctx;
  /** The unread bytes of a message that spans reads, or {@code null}. */
  private ByteBuf held;
  private boolean decoding;
  private boolean removed;
  /** A buffer was read since the last read batch ended. */
  private boolean read;
  /** Something was passed on since the last read batch ended. */
  private boolean emitted;

  /**
   * Decodes what it can of {@code in}, passing each message on with {@link #emit}; the bytes it does
   * not read are held and come again, followed by the next read's, on the next call.
   */
  protected abstract void decode(ChannelHandlerContext ctx, ByteBuf in);

  /** The input closed: {@code in} is what is held (maybe empty). By default, decodes it. */
  protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in) {
    if (in.isReadable()) {
      decode(ctx, in);
    }
  }

  /** Passes {@code msg} on to the next handler. */
  protected final void emit(Object msg) {
    emitted = true;
    ctx.fireChannelRead(msg);
  }

  /** Whether the decoder was removed from its pipeline (it then decodes nothing more). */
  protected final boolean removed() {
    return removed;
  }

  /** The number of bytes held, not yet decoded. */
  protected final int heldBytes() {
    return held == null ? 0 : held.readableBytes();
  }

  /** Decodes the bytes held again (after a pause), as if they had just been read. */
  protected final void decodeHeld(ChannelHandlerContext ctx) {
    ByteBuf h = held;
    if (h != null && !decoding) {
      held = null;
      run(ctx, h, false);
    }
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public final void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf in)) {
      ctx.fireChannelRead(msg);
      return;
    }
    read = true;
    ByteBuf h = held;
    if (h != null) {
      held = null;
      in = append(ctx, h, in);
    }
    run(ctx, in, false);
  }

  private static ByteBuf append(ChannelHandlerContext ctx, ByteBuf h, ByteBuf in) {
    if (h.refCnt() == 1 && h.readerIndex() > 0) {
      h.discardSomeReadBytes(); // no slice shares it (emitted bodies retain it)
    }
    return ByteToMessageDecoder.MERGE_CUMULATOR.cumulate(ctx.alloc(), h, in); // releases in
  }

  private void run(ChannelHandlerContext ctx, ByteBuf in, boolean last) {
    decoding = true;
    try {
      if (last) {
        decodeLast(ctx, in);
      } else {
        decode(ctx, in);
      }
    } catch (RuntimeException | Error e) {
      decoding = false;
      in.release();
      if (e instanceof Error err) {
        throw err;
      }
      throw e instanceof DecoderException d ? d : new DecoderException(e);
    }
    decoding = false;
    if (removed) {
      handOn(ctx, in);
    } else if (!last && in.isReadable()) {
      held = in;
    } else {
      in.release();
    }
  }

  /** The bytes a removed decoder still has go on to what follows it. */
  private static void handOn(ChannelHandlerContext ctx, ByteBuf in) {
    if (in.isReadable()) {
      ctx.fireChannelRead(in);
      ctx.fireChannelReadComplete();
    } else {
      in.release();
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (read && !emitted && !ctx.channel().config().isAutoRead()) {
      ctx.read(); // a message not complete yet: it needs more bytes even while reading is off
    }
    read = false;
    emitted = false;
    ctx.fireChannelReadComplete();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    try {
      inputClosed(ctx);
    } finally {
      ctx.fireChannelInactive();
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof ChannelInputShutdownEvent) {
      inputClosed(ctx);
    }
    ctx.fireUserEventTriggered(evt);
  }

  private void inputClosed(ChannelHandlerContext ctx) {
    ByteBuf h = held;
    held = null;
    emitted = false;
    try {
      run(ctx, h == null ? Unpooled.EMPTY_BUFFER : h, true);
    } finally {
      if (emitted) {
        ctx.fireChannelReadComplete();
      }
      emitted = false;
    }
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    removed = true;
    ByteBuf h = held;
    if (h != null && !decoding) { // else handed on once decode returns
      held = null;
      handOn(ctx, h);
    }
  }
}
