package io.bowline.runtime.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SerialSchedulerTest {
  private final SerialScheduler serial = new SerialScheduler((nanos, task) -> {
    throw new AssertionError("no timer in these tests");
  });

  @Test
  void aTaskSubmittedWhileIdleRunsAtOnceOnTheSubmittingThread() {
    Thread[] ran = new Thread[1];
    serial.execute(() -> ran[0] = Thread.currentThread());
    assertThat(ran[0]).isSameAs(Thread.currentThread());
  }

  @Test
  void aTaskSubmittedFromATaskRunsAfterItInSubmissionOrder() {
    List<String> order = new ArrayList<>();
    serial.execute(() -> {
      order.add("a");
      serial.execute(() -> order.add("c"));
      serial.execute(() -> order.add("d"));
      order.add("b");
    });
    serial.execute(() -> order.add("e"));
    assertThat(order).containsExactly("a", "b", "c", "d", "e");
  }

  @Test
  void aFailingTaskDoesNotStopTheTasksAfterIt() {
    List<String> order = new ArrayList<>();
    serial.execute(() -> {
      serial.execute(() -> {
        throw new IllegalStateException("a filter's bug");
      });
      serial.execute(() -> order.add("after"));
    });
    serial.execute(() -> order.add("idle again"));
    assertThat(order).containsExactly("after", "idle again");
  }

  @Test
  void tasksFromManyThreadsAllRunAndNeverOverlap() throws Exception {
    int threads = 4;
    int perThread = 20_000;
    AtomicInteger running = new AtomicInteger();
    AtomicInteger overlaps = new AtomicInteger();
    int[] count = new int[1]; // written only by tasks: the scheduler's serialisation guards it
    CountDownLatch start = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(threads);
    for (int t = 0; t < threads; t++) {
      new Thread(() -> {
        try {
          start.await();
          for (int i = 0; i < perThread; i++) {
            serial.execute(() -> {
              if (running.incrementAndGet() != 1) {
                overlaps.incrementAndGet();
              }
              count[0]++;
              running.decrementAndGet();
            });
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } finally {
          done.countDown();
        }
      }, "submitter-" + t).start();
    }
    start.countDown();
    assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();
    CountDownLatch last = new CountDownLatch(1);
    serial.execute(last::countDown); // runs after every task before it
    assertThat(last.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(overlaps.get()).isZero();
    serial.execute(() -> assertThat(count[0]).isEqualTo(threads * perThread));
  }
}
