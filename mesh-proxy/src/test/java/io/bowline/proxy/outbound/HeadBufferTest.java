package io.bowline.proxy.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The loop's head buffer: the same buffer again once the write that took it has released it, a pooled one while
 * it is still held, never a buffer with bytes of the head before, and let go when its thread ends.
 */
class HeadBufferTest {
  private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;

  /** Runs {@code body} on a Netty thread (one that cleans its thread-locals up when it ends) and waits for it. */
  private static <T> T onLoopThread(java.util.function.Supplier<T> body) throws Exception {
    CompletableFuture<T> done = new CompletableFuture<>();
    Thread t = new DefaultThreadFactory("head-buffer-test").newThread(() -> {
      try {
        done.complete(body.get());
      } catch (Throwable e) {
        done.completeExceptionally(e);
      }
    });
    t.start();
    T result = done.get(10, TimeUnit.SECONDS);
    t.join(10_000);
    return result;
  }

  @Test
  void aHeadWrittenAfterTheLastWasReleasedGetsTheSameEmptyBuffer() throws Exception {
    onLoopThread(() -> {
      ByteBuf first = HeadBuffer.take(alloc, 512);
      first.writeBytes(new byte[] {'G', 'E', 'T'});
      first.release(); // the connection wrote it
      ByteBuf second = HeadBuffer.take(alloc, 512);
      assertThat((Object) second).isSameAs(first);
      assertThat(second.readableBytes()).isZero();
      assertThat(second.writableBytes()).isGreaterThanOrEqualTo(512);
      second.release();
      return null;
    });
  }

  @Test
  void aHeadWrittenWhileTheBufferIsStillHeldGetsAnotherOne() throws Exception {
    onLoopThread(() -> {
      ByteBuf held = HeadBuffer.take(alloc, 512); // e.g. in an outbound buffer the socket has not drained
      ByteBuf other = HeadBuffer.take(alloc, 512);
      assertThat((Object) other).isNotSameAs(held);
      assertThat(other.refCnt()).isEqualTo(1); // a pooled buffer, freed by its write as before
      other.release();
      held.release();
      ByteBuf again = HeadBuffer.take(alloc, 512);
      assertThat((Object) again).isSameAs(held);
      again.release();
      return null;
    });
  }

  @Test
  void aBufferGrownByALargeHeadIsNotKeptAtThatSize() throws Exception {
    onLoopThread(() -> {
      ByteBuf big = HeadBuffer.take(alloc, 512);
      big.writeBytes(new byte[16_384]); // a head with many fields grows it
      big.release();
      ByteBuf next = HeadBuffer.take(alloc, 512); // the grown one was let go (its object may be recycled as this one)
      assertThat(next.capacity()).isLessThanOrEqualTo(4096);
      assertThat(next.readableBytes()).isZero();
      next.release();
      return null;
    });
  }

  @Test
  void theKeptBufferIsReleasedWhenItsThreadEnds() throws Exception {
    ByteBuf kept = onLoopThread(() -> {
      ByteBuf b = HeadBuffer.take(alloc, 512);
      b.release();
      return b;
    });
    assertThat(kept.refCnt()).isZero();
  }
}
