package io.bowline.runtime.filter.mirror;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * Connection back-off for shadow requests, per mirror endpoint (any key with value equality, e.g.
 * the {@code Endpoint} record): after a
 * shadow fails to connect, further shadows to that endpoint are dropped until the back-off
 * elapses, then exactly one shadow probes it. The schedule is gRPC's connection back-off
 * (connection-backoff.md, what a proxyless gRPC channel does in TRANSIENT_FAILURE): 1 s initial,
 * ×1.6 per failed probe, capped at 120 s, ±20 % jitter; a successful connection clears it.
 *
 * <p>Why not Envoy's behaviour (a connect attempt per shadow): a refused connect is nearly free on
 * Envoy's event loop, but through OkHttp it costs a socket, two exceptions with stack traces and
 * a few hundred µs of CPU that compete with the caller on a small machine. Mirroring stays fire and
 * forget; against an unreachable mirror target the work is bounded to one connect per back-off.
 * Shadows dropped this way are counted ({@code bowline.mirror.dropped{reason=connect_backoff}}).
 */
public final class ShadowConnectBackoff {
  /** First back-off after a failed connect (ns). */
  static final long INITIAL_NANOS = TimeUnit.SECONDS.toNanos(1);
  /** Longest back-off (ns). */
  static final long MAX_NANOS = TimeUnit.SECONDS.toNanos(120);
  static final double MULTIPLIER = 1.6;
  static final double JITTER = 0.2;

  /** Never backs off: every shadow may connect. */
  public static final ShadowConnectBackoff DISABLED = new ShadowConnectBackoff(System::nanoTime, false);

  private final ConcurrentHashMap<Object, State> endpoints = new ConcurrentHashMap<>();
  private final LongSupplier clock;
  private final boolean enabled;

  /** With {@code System.nanoTime}. */
  public ShadowConnectBackoff() {
    this(System::nanoTime);
  }

  /** @param clock a nanosecond clock (tests) */
  public ShadowConnectBackoff(LongSupplier clock) {
    this(clock, true);
  }

  private ShadowConnectBackoff(LongSupplier clock, boolean enabled) {
    this.clock = clock;
    this.enabled = enabled;
  }

  private static final class State {
    final long backoffNanos;
    final long retryAtNanos;
    final AtomicBoolean probing = new AtomicBoolean();

    State(long backoffNanos, long retryAtNanos) {
      this.backoffNanos = backoffNanos;
      this.retryAtNanos = retryAtNanos;
    }
  }

  /**
   * Whether a shadow may connect to {@code endpoint} now: yes when it has no recent connect
   * failure; while backing off no, except for one probe once the back-off has elapsed.
   */
  public boolean admits(Object endpoint) {
    State s = endpoints.get(endpoint);
    if (s == null) {
      return true;
    }
    return clock.getAsLong() - s.retryAtNanos >= 0 && s.probing.compareAndSet(false, true);
  }

  /**
   * Whether {@code endpoint} is backing off and not yet due for its probe (no side effect): a
   * caller may drop a shadow whose every endpoint is in this state without handing it off.
   */
  public boolean backingOff(Object endpoint) {
    if (endpoints.isEmpty()) {
      return false;
    }
    State s = endpoints.get(endpoint);
    return s != null && (s.probing.get() || clock.getAsLong() - s.retryAtNanos < 0);
  }

  /** A shadow could not connect to {@code endpoint}: starts or lengthens its back-off. */
  public void onConnectFailure(Object endpoint) {
    if (!enabled) {
      return;
    }
    endpoints.compute(endpoint, (k, s) -> {
      if (s != null && !s.probing.get()) {
        return s; // a shadow admitted before the back-off began: the schedule stands
      }
      long backoff = s == null ? INITIAL_NANOS : Math.min(MAX_NANOS, (long) (s.backoffNanos * MULTIPLIER));
      double jitter = 1 + JITTER * (2 * ThreadLocalRandom.current().nextDouble() - 1);
      return new State(backoff, clock.getAsLong() + (long) (backoff * jitter));
    });
  }

  /** A shadow connected to {@code endpoint} (or got any answer): its back-off ends. */
  public void onConnected(Object endpoint) {
    if (!endpoints.isEmpty()) {
      endpoints.remove(endpoint);
    }
  }

  /** Endpoints currently backing off. */
  public int size() {
    return endpoints.size();
  }
}
