package io.bowline.proxy.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.runtime.pipeline.CallScheduler;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An exchange's tasks on its event loop: one after another, never nested, always on the loop thread
 * (a task submitted from elsewhere is handed to the loop), and a cancelled delay never runs.
 */
class LoopSchedulerTest {
  private final EventLoop loop = new DefaultEventLoop();
  private final LoopScheduler scheduler = new LoopScheduler(loop);
  private final List<String> ran = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() {
    loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
  }

  @Test
  void aTaskSubmittedWhileAnotherRunsRunsAfterItOnTheSameThread() throws Exception {
    CountDownLatch done = new CountDownLatch(1);
    loop.execute(() -> {
      scheduler.execute(() -> {
        ran.add("first starts");
        scheduler.execute(() -> ran.add("second"));
        scheduler.execute(() -> ran.add("third"));
        ran.add("first ends");
      });
      ran.add("after execute returned");
      done.countDown();
    });
    assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(ran).containsExactly("first starts", "first ends", "second", "third", "after execute returned");
  }

  @Test
  void aTaskSubmittedFromAnotherThreadRunsOnTheLoop() throws Exception {
    CountDownLatch done = new CountDownLatch(1);
    boolean[] onLoop = new boolean[1];
    scheduler.execute(() -> {
      onLoop[0] = loop.inEventLoop();
      done.countDown();
    });
    assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(onLoop[0]).isTrue();
  }

  @Test
  void aFailingTaskDoesNotStopTheOnesBehindIt() throws Exception {
    CountDownLatch done = new CountDownLatch(1);
    loop.execute(() -> scheduler.execute(() -> {
      scheduler.execute(done::countDown);
      throw new IllegalStateException("a filter failed");
    }));
    assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void aCancelledDelayNeverRunsAndAnotherDoes() throws Exception {
    CountDownLatch later = new CountDownLatch(1);
    CallScheduler.Cancellable cancelled = scheduler.schedule(() -> ran.add("cancelled"), TimeUnit.MILLISECONDS.toNanos(20));
    cancelled.cancel();
    scheduler.schedule(() -> {
      ran.add("kept");
      later.countDown();
    }, TimeUnit.MILLISECONDS.toNanos(50));
    assertThat(later.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(ran).containsExactly("kept");
  }
}
