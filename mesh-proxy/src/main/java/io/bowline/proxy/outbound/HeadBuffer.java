package io.bowline.proxy.outbound;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.util.concurrent.FastThreadLocal;

/**
 * The buffer an event loop writes HTTP/1.1 heads into (a request head for an upstream, a response head for a
 * downstream), kept from one head to the next instead of taken from the pool and given back each time: a head
 * is flushed by the end of the event that wrote it, so by the next head the connection has usually let the buffer
 * go and only the loop's own reference is left. A head written while the kept buffer is still held (by a
 * connection's outbound buffer that the socket has not drained, a response head that waits for its body, or a
 * head not yet flushed) gets a pooled buffer as before. The loop's thread releases the kept buffer when it ends.
 */
final class HeadBuffer {
  /** A kept buffer grown past this (a head with many or long fields) is let go rather than kept at that size. */
  private static final int MAX_KEPT = 4096;

  private static final FastThreadLocal<ByteBuf> KEPT = new FastThreadLocal<>() {
    @Override
    protected void onRemoval(ByteBuf kept) {
      if (kept != null) {
        kept.release();
      }
    }
  };

  private HeadBuffer() {}

  /**
   * {@link #take(ByteBufAllocator, int)} with {@code to}'s allocator, asked only when the kept buffer cannot be
   * reused (the channel's allocator, read through its config, is otherwise left untouched). Call on the event
   * loop of {@code to}'s channel.
   */
  static ByteBuf take(ChannelHandlerContext to, int capacity) {
    ByteBuf kept = KEPT.get();
    if (kept != null && kept.capacity() <= MAX_KEPT && kept.refCnt() == 1) {
      kept.clear();
      return kept.retain();
    }
    return take(to.alloc(), capacity);
  }

  /**
   * An empty buffer with room for {@code capacity} bytes, written by the caller and owned by it (one reference,
   * released by the write it is handed to). Call on the event loop of the channel it is written to.
   */
  static ByteBuf take(ByteBufAllocator alloc, int capacity) {
    ByteBuf kept = KEPT.get();
    if (kept == null || kept.capacity() > MAX_KEPT) {
      if (kept != null) {
        kept.release();
      }
      kept = alloc.buffer(Math.max(capacity, 1024));
      KEPT.set(kept);
    } else if (kept.refCnt() != 1) {
      return alloc.buffer(capacity);
    }
    kept.clear();
    return kept.retain();
  }
}
