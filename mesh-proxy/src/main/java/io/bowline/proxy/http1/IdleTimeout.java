package io.bowline.proxy.http1;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.ScheduledFuture;
import io.netty.util.concurrent.Ticker;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A downstream connection's idle timer (Envoy's {@code common_http_protocol_options.idle_timeout}):
 * fires {@link IdleStateEvent#ALL_IDLE_STATE_EVENT} each time nothing has been read or written for
 * {@code timeout}; the handlers behind it decide (a connection with a request in progress stays
 * open, a tunnel closes).
 *
 * <p>Unlike Netty's {@code IdleStateHandler}, a write counts when it is made rather than when the
 * socket has taken it, so a write keeps its void promise: no promise and no listener per write on
 * the proxy's hot path (one or two writes per response). A peer that stops reading is bounded by the
 * write-buffer watermarks and flow control, not by this timer.
 */
public final class IdleTimeout extends ChannelDuplexHandler {
  private final long timeoutNanos;
  private Ticker ticker;
  private long lastActivity;
  private boolean reading;
  private ScheduledFuture<?> check;

  /**
   * @param timeout the idle time before the event, positive
   * @throws IllegalArgumentException if {@code timeout} is zero or negative
   */
  public IdleTimeout(Duration timeout) {
    if (timeout.isZero() || timeout.isNegative()) {
      throw new IllegalArgumentException("idle timeout must be positive: " + timeout);
    }
    this.timeoutNanos = timeout.toNanos();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    ticker = ctx.executor().ticker();
    if (ctx.channel().isActive() && ctx.channel().isRegistered()) {
      start(ctx);
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    start(ctx);
    super.channelActive(ctx);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    stop();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    stop();
    super.channelInactive(ctx);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    reading = true;
    ctx.fireChannelRead(msg);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (reading) {
      reading = false;
      lastActivity = ticker.nanoTime();
    }
    ctx.fireChannelReadComplete();
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    lastActivity = ticker.nanoTime();
    ctx.write(msg, promise);
  }

  private void start(ChannelHandlerContext ctx) {
    if (check != null) {
      return;
    }
    lastActivity = ticker.nanoTime();
    schedule(ctx, timeoutNanos);
  }

  private void schedule(ChannelHandlerContext ctx, long delayNanos) {
    check = ctx.executor().schedule(() -> check(ctx), delayNanos, TimeUnit.NANOSECONDS);
  }

  private void check(ChannelHandlerContext ctx) {
    if (check == null || !ctx.channel().isOpen()) {
      return;
    }
    long idle = ticker.nanoTime() - lastActivity;
    if (reading || idle < timeoutNanos) {
      schedule(ctx, reading ? timeoutNanos : timeoutNanos - idle);
      return;
    }
    schedule(ctx, timeoutNanos);
    ctx.fireUserEventTriggered(IdleStateEvent.ALL_IDLE_STATE_EVENT);
  }

  private void stop() {
    if (check != null) {
      check.cancel(false);
      check = null;
    }
  }
}
