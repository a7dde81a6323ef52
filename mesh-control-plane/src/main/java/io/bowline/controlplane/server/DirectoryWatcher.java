package io.bowline.controlplane.server;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches one directory (not its subdirectories) with {@link WatchService} and runs a callback, on its own
 * daemon thread, once the relevant files have stopped changing for the debounce period, so that an editor's
 * save or a {@code cp} of several files causes one reload.
 */
public final class DirectoryWatcher implements AutoCloseable {

  /**
   * The quiet period after the last change before the callback runs: 20 ms. The events of one
   * editor save or one {@code cp} of several files arrive within a few milliseconds of each other;
   * a reload that still catches a half-written file rejects it (the last good configuration keeps
   * serving) and the next event reloads again. Istio's own push debounce is 100 ms; ours is shorter
   * because a file change is the whole signal here (benchmark P3: file write to client router).
   */
  public static final Duration DEFAULT_DEBOUNCE = Duration.ofMillis(20);

  private static final Logger log = LoggerFactory.getLogger(DirectoryWatcher.class);

  private final WatchService watchService;
  private final Predicate<String> relevantFileName;
  private final Duration debounce;
  private final Runnable onChange;
  private final Thread thread;
  private volatile long changeSeenNanos;

  private DirectoryWatcher(WatchService watchService, Predicate<String> relevantFileName, Duration debounce,
      Runnable onChange, String threadName) {
    this.watchService = watchService;
    this.relevantFileName = relevantFileName;
    this.debounce = debounce;
    this.onChange = onChange;
    this.thread = new Thread(this::run, threadName);
    this.thread.setDaemon(true);
  }

  /**
   * Starts watching {@code dir} for created, modified and deleted files.
   *
   * @param dir the directory
   * @param relevantFileName which file names count (others are ignored)
   * @param debounce the quiet period before {@code onChange} runs
   * @param onChange what to run after changes; whatever it throws (errors too) is logged and watching continues
   * @throws IOException if the directory cannot be watched
   */
  public static DirectoryWatcher start(Path dir, Predicate<String> relevantFileName, Duration debounce,
      Runnable onChange) throws IOException {
    WatchService watchService = FileSystems.getDefault().newWatchService();
    try {
      dir.register(watchService, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
          StandardWatchEventKinds.ENTRY_DELETE);
    } catch (IOException | RuntimeException e) {
      watchService.close();
      throw e;
    }
    DirectoryWatcher watcher = new DirectoryWatcher(watchService, relevantFileName, debounce, onChange,
        "bowline-config-watcher-" + dir.getFileName());
    watcher.thread.start();
    return watcher;
  }

  private void run() {
    try {
      while (true) {
        WatchKey first = watchService.take();
        long seen = System.nanoTime();
        boolean changed = drain(first);
        WatchKey next;
        while ((next = watchService.poll(debounce.toMillis(), TimeUnit.MILLISECONDS)) != null) {
          changed |= drain(next);
        }
        if (changed) {
          changeSeenNanos = seen;
          runCallback();
        }
      }
    } catch (ClosedWatchServiceException | InterruptedException e) {
      // closed: stop watching
    }
  }

  /**
   * When ({@link System#nanoTime()}) the watch service delivered the first event of the batch whose callback
   * runs or ran last; 0 before any. The callback starts at least one debounce period later.
   */
  public long changeSeenNanos() {
    return changeSeenNanos;
  }

  /** Consumes the events of {@code key}; true if any concerns a relevant file (or events were lost). */
  private boolean drain(WatchKey key) {
    boolean relevant = false;
    for (WatchEvent<?> event : key.pollEvents()) {
      if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
        relevant = true;
      } else if (event.context() instanceof Path path && relevantFileName.test(path.toString())) {
        relevant = true;
      }
    }
    key.reset();
    return relevant;
  }

  /** Runs the callback; whatever it throws (an Error too) is logged, and the watch goes on. */
  private void runCallback() {
    try {
      onChange.run();
    } catch (RuntimeException | Error e) {
      log.error("reload after a configuration change failed; still watching", e);
    }
  }

  /** Stops watching; the callback is not run again once this returns. */
  @Override
  public void close() {
    try {
      watchService.close();
    } catch (IOException e) {
      log.debug("closing the watch service failed", e);
    }
    if (Thread.currentThread() != thread) {
      try {
        thread.join(TimeUnit.SECONDS.toMillis(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
