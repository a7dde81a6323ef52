package io.bowline.proxy.http1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.timeout.IdleStateEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The listeners' idle timer on Netty's own test channel with its clock frozen, so each step is the time the
 * test says: the event comes once nothing was read or written for the timeout, counted from the last read or
 * write (a response's last write restarts it, as Envoy's idle_timeout counts from the last stream's end).
 */
class IdleTimeoutTest {
  private final List<Object> events = new ArrayList<>();
  private EmbeddedChannel channel;

  @BeforeEach
  void open() {
    channel = new EmbeddedChannel();
    channel.freezeTime();
    channel.pipeline().addLast(new IdleTimeout(Duration.ofSeconds(10)), new ChannelInboundHandlerAdapter() {
      @Override
      public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        events.add(evt);
      }
    });
  }

  @AfterEach
  void close() {
    channel.finishAndReleaseAll();
  }

  private void after(long seconds) {
    channel.advanceTimeBy(seconds, TimeUnit.SECONDS);
    channel.runScheduledPendingTasks();
  }

  @Test
  void aConnectionWithNoTrafficIsIdleAfterTheTimeout() {
    after(9);
    assertThat(events).isEmpty();
    after(1);
    assertThat(events).containsExactly(IdleStateEvent.ALL_IDLE_STATE_EVENT);
  }

  @Test
  void aReadRestartsTheIdleTime() {
    assertIdleTheTimeoutAfter(() -> channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {'G'})));
  }

  @Test
  void aWriteWithTheVoidPromiseRestartsTheIdleTime() {
    assertIdleTheTimeoutAfter(() -> {
      channel.writeOneOutbound(Unpooled.wrappedBuffer(new byte[] {'o', 'k'}), channel.voidPromise());
      channel.flushOutbound();
    });
  }

  /** {@code traffic} 8 s in: no event 16 s in, one at 18 s (the timeout after the traffic). */
  private void assertIdleTheTimeoutAfter(Runnable traffic) {
    after(8);
    traffic.run();
    after(8);
    assertThat(events).isEmpty();
    after(2);
    assertThat(events).containsExactly(IdleStateEvent.ALL_IDLE_STATE_EVENT);
  }

  @Test
  void anIdleConnectionThatStaysOpenGetsTheEventAgainEachTimeout() {
    after(10);
    after(10);
    assertThat(events).hasSize(2);
  }

  @Test
  void theTimerStopsWhenTheConnectionCloses() {
    channel.close();
    after(30);
    assertThat(events).isEmpty();
  }

  @Test
  void aTimeoutThatIsNotPositiveIsRefused() {
    assertThatThrownBy(() -> new IdleTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("idle timeout must be positive");
  }
}
