package io.bowline.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;

/**
 * The proxy's event loops reuse Netty's pooled objects: a pooled buffer taken and released again and again on a
 * loop is a few objects, not one per use (Netty's {@code Recycler} pools only on its own thread type), and the
 * loops keep their names.
 */
class TransportsTest {

  /** How many distinct buffer objects {@code uses} take-and-release rounds of a pooled direct buffer see. */
  private static Callable<Integer> distinctBuffers(int uses) {
    return () -> {
      Set<ByteBuf> seen = Collections.newSetFromMap(new IdentityHashMap<>());
      for (int i = 0; i < uses; i++) {
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(64);
        seen.add(b);
        b.release();
      }
      return seen.size();
    };
  }

  @Test
  void aBufferTakenAndReleasedOnAnEventLoopIsTheSameFewObjects() throws Exception {
    Transports transports = Transports.start(1, true);
    try {
      int onLoop = transports.group().next().submit(distinctBuffers(64)).get();
      String name = transports.group().next().submit(() -> Thread.currentThread().getName()).get();
      assertThat(onLoop).isLessThanOrEqualTo(8);
      assertThat(name).isEqualTo("bowline-proxy-1");
    } finally {
      transports.stop();
    }
    // on a plain thread Netty makes one object per use: what the loops did before they were Netty's thread type
    assertThat(distinctBuffers(64).call()).isEqualTo(64);
  }
}
