package io.bowline.runtime.upstream.health;

import io.bowline.api.config.HealthCheck;
import io.bowline.runtime.lifecycle.SharedRuntime;
import io.bowline.runtime.upstream.health.HealthCheckSession.Result;
import io.bowline.runtime.upstream.health.HealthCheckSession.Transition;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import okhttp3.OkHttpClient;

/**
 * The process's active health check probers: one per (cluster, check, host) however many clients
 * watch that host, each probing on the shared health-check threads (a {@link SharedRuntime}
 * service, stopped with the last client) and telling every watcher when the host turns unhealthy
 * or healthy. A prober stops when its last watcher {@linkplain Watch#close() closes}.
 */
public final class ActiveHealthChecks {
  private static final SharedRuntime.Service<ScheduledExecutorService> THREADS = SharedRuntime.service(
      "health checks", ActiveHealthChecks::threads, ScheduledExecutorService::shutdownNow);
  private static final OkHttpClient HTTP = new OkHttpClient.Builder().retryOnConnectionFailure(false)
      .followRedirects(false).build();
  /** Guarded by itself. */
  private static final Map<Key, Prober> PROBERS = new HashMap<>();

  private ActiveHealthChecks() {}

  private record Key(String cluster, HealthCheck check, String address, int port) {}

  /** One watcher's interest in a host; closing it ends the prober when it was the last. */
  public interface Watch extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * Watches a host's health under one check, starting its prober if no client watches it yet.
   *
   * @param cluster the cluster's name (the default {@code Host} / authority of the probes)
   * @param check the check
   * @param address the host's address
   * @param port the host's port
   * @param hadTraffic whether the watcher's cluster has had traffic (picks {@code no_traffic_interval})
   * @param onChange called with {@code true} when the host turns unhealthy and {@code false} when it
   *     turns healthy again, on a health-check thread; at once with {@code true} if it already is unhealthy
   * @return the watch
   */
  public static Watch watch(String cluster, HealthCheck check, String address, int port, BooleanSupplier hadTraffic,
      Consumer<Boolean> onChange) {
    Key key = new Key(cluster, check, address, port);
    Watcher w = new Watcher(hadTraffic, onChange);
    Prober p;
    synchronized (PROBERS) {
      p = PROBERS.get(key);
      if (p == null) {
        p = new Prober(key);
        PROBERS.put(key, p);
        p.watchers.add(w);
        p.schedule(Duration.ZERO);
      } else {
        p.watchers.add(w);
        if (p.unhealthy) {
          onChange.accept(true);
        }
      }
    }
    Prober prober = p;
    return () -> {
      synchronized (PROBERS) {
        if (prober.watchers.remove(w) && prober.watchers.isEmpty()) {
          PROBERS.remove(key);
          prober.stop();
        }
      }
    };
  }

  /** Probers running in the process now. */
  public static int probers() {
    synchronized (PROBERS) {
      return PROBERS.size();
    }
  }

  private static ScheduledExecutorService threads() {
    return Executors.newScheduledThreadPool(2, r -> {
      Thread t = new Thread(r, "bowline-health-check");
      t.setDaemon(true);
      return t;
    });
  }

  private record Watcher(BooleanSupplier hadTraffic, Consumer<Boolean> onChange) {}

  private static final class Prober implements Runnable {
    private final Key key;
    private final HealthCheckSession session;
    final List<Watcher> watchers = new CopyOnWriteArrayList<>();
    private ManagedChannel channel; // gRPC checks; touched by one probe at a time
    private ScheduledFuture<?> next; // guarded by PROBERS
    private volatile boolean stopped; // written with PROBERS held
    volatile boolean unhealthy;

    Prober(Key key) {
      this.key = key;
      this.session = new HealthCheckSession(key.check());
    }

    /** Called with PROBERS held. */
    void schedule(Duration delay) {
      if (!stopped) {
        next = THREADS.get().schedule(this, delay.toNanos(), TimeUnit.NANOSECONDS);
      }
    }

    /** Called with PROBERS held. */
    void stop() {
      stopped = true;
      if (next != null) {
        next.cancel(false);
      }
      ScheduledExecutorService threads = THREADS.peek();
      if (threads == null) {
        closeChannel();
      } else {
        threads.execute(this::closeChannel); // after a probe that may be running
      }
    }

    private synchronized void closeChannel() {
      if (channel != null) {
        channel.shutdownNow();
        channel = null;
      }
    }

    @Override
    public void run() {
      Result r = probe();
      if (stopped) {
        return;
      }
      Transition t = session.record(r);
      if (t != Transition.UNCHANGED) {
        unhealthy = t == Transition.UNHEALTHY;
        for (Watcher w : watchers) {
          w.onChange().accept(unhealthy);
        }
      }
      boolean traffic = false;
      for (Watcher w : watchers) {
        traffic |= w.hadTraffic().getAsBoolean();
      }
      Duration wait = session.nextInterval(traffic);
      synchronized (PROBERS) {
        schedule(wait);
      }
    }

    private synchronized Result probe() {
      HealthCheck check = key.check();
      if (stopped) {
        return Result.NETWORK_FAILURE; // nobody watches any more: no new channel
      }
      if (check.kind() instanceof HealthCheck.Http http) {
        return Probes.http(HTTP, check, http, key.cluster(), key.address(), key.port());
      }
      if (check.kind() instanceof HealthCheck.Grpc grpc) {
        if (channel == null) {
          channel = Probes.grpcChannel(grpc, key.cluster(), key.address(), key.port());
        }
        return Probes.grpc(channel, check, grpc);
      }
      return Probes.tcp(check, (HealthCheck.Tcp) check.kind(), key.address(), key.port());
    }
  }
}
