package io.bowline.proxy.tunnel;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * The last handler of one side of a byte tunnel: what it reads is written to the peer connection,
 * with flow control (a peer that cannot take more stops this side's reads), and when either side
 * closes or its idle timer fires the other is closed once what was written to it is flushed (as
 * Envoy ends an upgraded stream). Both sides must share an event loop.
 */
public final class Splice extends ChannelInboundHandlerAdapter {
  private final Channel peer;

  private Splice(Channel peer) {
    this.peer = peer;
  }

  /**
   * Adds a splice at the end of both pipelines and resumes reading on both. Whatever handlers
   * still decode the streams must be removed by the caller after this (their buffered bytes then
   * reach the splice).
   */
  public static void join(Channel a, Channel b) {
    if (a.eventLoop() != b.eventLoop()) {
      throw new IllegalArgumentException("a splice needs both connections on one event loop");
    }
    a.pipeline().addLast("splice", new Splice(b));
    b.pipeline().addLast("splice", new Splice(a));
    a.config().setAutoRead(true);
    b.config().setAutoRead(true);
    if (!a.isActive()) {
      closeOnFlush(b);
    }
    if (!b.isActive()) {
      closeOnFlush(a);
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof ByteBufHolder holder) { // what a decoder removed at the switch still held, as content
      msg = holder.content();
    }
    if (!peer.isActive() || !(msg instanceof ByteBuf)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    peer.write(msg, peer.voidPromise());
    if (!peer.isWritable()) {
      peer.flush();
      ctx.channel().config().setAutoRead(false);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    peer.flush();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    peer.config().setAutoRead(ctx.channel().isWritable());
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof IdleStateEvent) {
      ctx.close();
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    closeOnFlush(peer);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }

  private static void closeOnFlush(Channel c) {
    if (c.isActive()) {
      c.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
  }
}
