package io.bowline.runtime.lifecycle;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The threads every mesh client of the process shares (the deadline watchdog, the coarse clock, the
 * gRPC fault-delay and back-off timer, the shadow HTTP client), owned by a reference count: each open
 * {@code MeshClient} holds one {@link Lease}; when the last lease is closed every {@link Service}
 * started since is stopped, so no mesh thread outlives the last {@code close()} (a Spring DevTools
 * restart, a test suite, an application that builds and closes clients). The next use starts them
 * again, as grpc-java's {@code SharedResourceHolder} does for its shared executors.
 *
 * <p>A service is started on first use, also when no lease is held (a call still in flight on a
 * closed client, a test of one component); it then lives until the next time the count drops to
 * zero. Stopping lets work already handed to a service finish (pending deadlines and delays run at
 * their time), and then its thread ends; work handed to it afterwards goes to a fresh instance.
 * Thread-safe; {@link Service#get()} is one volatile read once started.
 */
public final class SharedRuntime {
  private static final Logger log = LoggerFactory.getLogger(SharedRuntime.class);
  private static final Object LOCK = new Object();
  private static int references; // guarded by LOCK
  private static final List<Service<?>> started = new ArrayList<>(); // guarded by LOCK

  private SharedRuntime() {}

  /** Takes a reference; the caller closes the lease once, when it is done with the mesh. */
  public static Lease acquire() {
    synchronized (LOCK) {
      references++;
    }
    return new Lease();
  }

  /** How many leases are open. */
  public static int references() {
    synchronized (LOCK) {
      return references;
    }
  }

  /**
   * A service that starts on first {@link Service#get()} and is stopped when the last lease is released.
   *
   * @param start creates and starts an instance (its threads)
   * @param stop stops an instance: lets work already handed to it finish, then ends its threads; must not throw
   */
  public static <T> Service<T> service(String name, Supplier<T> start, Consumer<T> stop) {
    return new Service<>(name, start, stop);
  }

  private static void release() {
    List<Runnable> stopping = new ArrayList<>();
    synchronized (LOCK) {
      if (--references > 0) {
        return;
      }
      for (Service<?> s : started) {
        stopping.add(s.detach());
      }
      started.clear();
    }
    stopping.forEach(Runnable::run);
  }

  /** One reference to the shared runtime. */
  public static final class Lease implements AutoCloseable {
    private boolean released; // guarded by this

    private Lease() {}

    /** Releases the reference (once; later calls do nothing); the last one stops every service. */
    @Override
    public void close() {
      synchronized (this) {
        if (released) {
          return;
        }
        released = true;
      }
      release();
    }
  }

  /** A lazily started shared service; {@link #get()} returns the running instance, starting one if needed. */
  public static final class Service<T> {
    private final String name;
    private final Supplier<T> start;
    private final Consumer<T> stop;
    private volatile T instance;

    private Service(String name, Supplier<T> start, Consumer<T> stop) {
      this.name = name;
      this.start = start;
      this.stop = stop;
    }

    /** The running instance; starts one when there is none (also with no lease held). */
    public T get() {
      T t = instance;
      return t != null ? t : startIfAbsent();
    }

    /** The running instance, or {@code null} when none is started (does not start one). */
    public T peek() {
      return instance;
    }

    private T startIfAbsent() {
      synchronized (LOCK) {
        T t = instance;
        if (t == null) {
          t = start.get();
          instance = t;
          started.add(this);
        }
        return t;
      }
    }

    /** Forgets the running instance (under LOCK); returns what stops it. */
    private Runnable detach() {
      T t = instance;
      instance = null;
      return () -> {
        try {
          stop.accept(t);
        } catch (RuntimeException e) {
          log.warn("stopping the shared {} failed", name, e);
        }
      };
    }
  }
}
