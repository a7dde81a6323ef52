package io.bowline.controlplane.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first handler of every accepted connection, ahead of gRPC's: it counts open connections against
 * {@link ServerLimits#maxConnections()}, and closes a connection that does not send the HTTP/2 client
 * preface followed by a SETTINGS frame (RFC 9113 section 3.4) within {@link ServerLimits#handshakeTimeout()},
 * or that sends anything else first. Such a connection is logged once, at DEBUG, in one line, and gRPC
 * never sees its bytes (so no stack trace is logged for junk). After the handshake it passes everything
 * through untouched.
 */
final class ConnectionGuard extends ChannelInboundHandlerAdapter {

  private static final Logger log = LoggerFactory.getLogger(ConnectionGuard.class);
  private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final int FRAME_HEADER_BYTES = 9;
  private static final int SETTINGS = 0x4;

  private final ServerLimits limits;
  private final AtomicInteger open;
  /** Bytes of the handshake seen so far: the preface, then the SETTINGS frame's header and payload. */
  private long seen;
  private int settingsLength = -1;
  private final byte[] frameHeader = new byte[FRAME_HEADER_BYTES];
  private boolean done;
  /** Closed by the guard: nothing more is passed on. */
  private boolean rejected;
  private ScheduledFuture<?> deadline;

  private ConnectionGuard(ServerLimits limits, AtomicInteger open) {
    this.limits = limits;
    this.open = open;
  }

  /** A server socket channel that puts a guard first on each connection it accepts. */
  static final class GuardedServerSocketChannel extends NioServerSocketChannel {
    private final ServerLimits limits;
    private final AtomicInteger open;

    GuardedServerSocketChannel(ServerLimits limits, AtomicInteger open) {
      this.limits = limits;
      this.open = open;
    }

    @Override
    protected int doReadMessages(List<Object> buf) throws Exception {
      int before = buf.size();
      int accepted = super.doReadMessages(buf);
      for (int i = before; i < buf.size(); i++) {
        ((Channel) buf.get(i)).pipeline().addFirst("bowline-connection-guard", new ConnectionGuard(limits, open));
      }
      return accepted;
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    int now = open.incrementAndGet();
    if (now > limits.maxConnections()) {
      log.debug("closing connection from {}: {} connections open, at most {}", ctx.channel().remoteAddress(),
          now, limits.maxConnections());
      reject(ctx);
      return;
    }
    deadline = ctx.executor().schedule(() -> {
      if (!done) {
        log.debug("closing connection from {}: no HTTP/2 preface and SETTINGS within {} ms ({} bytes received)",
            ctx.channel().remoteAddress(), limits.handshakeTimeout().toMillis(), seen);
        reject(ctx);
      }
    }, limits.handshakeTimeout().toNanos(), TimeUnit.NANOSECONDS);
    super.channelActive(ctx);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    if (rejected) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (!done && msg instanceof ByteBuf bytes) {
      String problem = inspect(bytes);
      if (problem != null) {
        log.debug("closing connection from {}: not an HTTP/2 client ({})", ctx.channel().remoteAddress(),
            problem);
        ReferenceCountUtil.release(msg);
        reject(ctx);
        return;
      }
      if (done && deadline != null) {
        deadline.cancel(false);
      }
    }
    super.channelRead(ctx, msg);
  }

  private void reject(ChannelHandlerContext ctx) {
    done = true;
    rejected = true;
    ctx.close();
  }

  /** Follows the handshake through {@code bytes} (not consuming them); a problem, or null when all is well. */
  private String inspect(ByteBuf bytes) {
    for (int i = bytes.readerIndex(); i < bytes.writerIndex() && !done; i++) {
      byte b = bytes.getByte(i);
      if (seen < PREFACE.length) {
        if (b != PREFACE[(int) seen]) {
          return "byte " + seen + " differs from the client preface";
        }
      } else if (seen < PREFACE.length + FRAME_HEADER_BYTES) {
        frameHeader[(int) (seen - PREFACE.length)] = b;
        if (seen == PREFACE.length + FRAME_HEADER_BYTES - 1) {
          if (frameHeader[3] != SETTINGS) {
            return "the first frame is of type " + frameHeader[3] + ", not SETTINGS";
          }
          settingsLength = (frameHeader[0] & 0xff) << 16 | (frameHeader[1] & 0xff) << 8 | (frameHeader[2] & 0xff);
        }
      }
      seen++;
      if (settingsLength >= 0 && seen >= PREFACE.length + FRAME_HEADER_BYTES + settingsLength) {
        done = true;
      }
    }
    return null;
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    open.decrementAndGet();
    if (deadline != null) {
      deadline.cancel(false);
    }
    super.channelInactive(ctx);
  }
}
