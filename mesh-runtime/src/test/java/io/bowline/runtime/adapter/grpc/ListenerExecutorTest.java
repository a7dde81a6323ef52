package io.bowline.runtime.adapter.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A call's listener callbacks: on the call's executor, one at a time, in order; one given on a thread that runs a task
 * of that executor for the call ({@code enter}) and finds nothing queued runs there at once.
 */
class ListenerExecutorTest {
  private final ExecutorService app = Executors.newSingleThreadExecutor(r -> new Thread(r, "app-executor"));

  @AfterEach
  void stop() {
    app.shutdownNow();
  }

  @Test
  void aCallbackGivenElsewhereRunsOnTheExecutor() throws Exception {
    ListenerExecutor callbacks = ListenerExecutor.of(app);
    CountDownLatch ran = new CountDownLatch(1);
    List<String> threads = new CopyOnWriteArrayList<>();
    callbacks.execute(() -> {
      threads.add(Thread.currentThread().getName());
      ran.countDown();
    });
    assertThat(ran.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(threads).containsExactly("app-executor");
  }

  @Test
  void onTheExecutorACallbackRunsAtOnceAndInOrder() throws Exception {
    ListenerExecutor callbacks = ListenerExecutor.of(app);
    List<String> events = new CopyOnWriteArrayList<>();
    CountDownLatch done = new CountDownLatch(1);
    app.execute(() -> { // an attempt's event, which grpc-java runs on the call's executor
      boolean entered = callbacks.enter();
      try {
        callbacks.execute(() -> events.add("headers"));
        events.add("after headers"); // the callback ran before execute returned
        callbacks.execute(() -> {
          events.add("message");
          callbacks.execute(() -> events.add("close")); // given while one runs: after it, not inside it
          events.add("message done");
        });
      } finally {
        callbacks.exit(entered);
      }
      done.countDown();
    });
    assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(events).containsExactly("headers", "after headers", "message", "message done", "close");
  }

  @Test
  void aThreadNotOnTheExecutorQueuesBehindTheOneThatIs() throws Exception {
    ListenerExecutor callbacks = ListenerExecutor.of(app);
    List<String> threads = new CopyOnWriteArrayList<>();
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(2);
    app.execute(() -> {
      boolean in = callbacks.enter();
      try {
        entered.countDown();
        await(release);
        callbacks.execute(() -> {
          threads.add("first " + Thread.currentThread().getName());
          done.countDown();
        });
      } finally {
        callbacks.exit(in);
      }
    });
    assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(callbacks.enter()).isFalse(); // another thread is noted: this one's callbacks take the executor
    callbacks.execute(() -> { // queued behind the app executor's running task
      threads.add("second " + Thread.currentThread().getName());
      done.countDown();
    });
    release.countDown();
    assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
    // the one queued first runs first, on the executor; the entered thread's callback waits its turn
    assertThat(threads).containsExactly("second app-executor", "first app-executor");
  }

  @Test
  void withoutAnExecutorACallbackRunsWhereItIsGiven() {
    ListenerExecutor callbacks = ListenerExecutor.of(null);
    List<String> threads = new CopyOnWriteArrayList<>();
    assertThat(callbacks.enter()).isFalse();
    callbacks.execute(() -> threads.add(Thread.currentThread().getName()));
    assertThat(threads).containsExactly(Thread.currentThread().getName());
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
