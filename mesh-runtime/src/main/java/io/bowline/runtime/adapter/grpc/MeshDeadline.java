package io.bowline.runtime.adapter.grpc;

import io.bowline.api.config.RouteTimeouts;
import io.bowline.runtime.router.timeout.DeadlineWatchdog;
import io.grpc.CallOptions;
import io.grpc.Context;
import io.grpc.Deadline;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The route's cap on a gRPC call's lifetime when it is earlier than the application's deadline
 * (gRFC A31: {@code grpc_timeout_header_max} when set, 0 meaning no cap, else a non-zero
 * {@code max_stream_duration}; the application deadline is never extended). The mesh enforces it
 * itself on the {@link DeadlineWatchdog}, the way Envoy's router enforces
 * {@code max_stream_duration}: it is not written into the upstream's {@code grpc-timeout} header,
 * which carries the application's own deadline, if any, as grpc-java sends it. Setting it as the
 * call's deadline would do both, and cost every call a timer on the channel's event loops, the
 * header, and a deadline context at the server (about 9 µs per unary call on loopback, 2 CPUs).
 */
final class MeshDeadline {
  private static final Logger log = LoggerFactory.getLogger(MeshDeadline.class);
  private final long deadlineNanos;
  private volatile boolean fired;
  private DeadlineWatchdog.Armed armed;

  private MeshDeadline(long deadlineNanos) {
    this.deadlineNanos = deadlineNanos;
  }

  /**
   * The cap for a call starting now with {@code options} in {@code context}, or {@code null} when
   * the route sets none or the application's deadline (the call's or the context's) comes first.
   */
  static MeshDeadline of(CallOptions options, Context context, RouteTimeouts t) {
    Duration cap = null;
    if (t.grpcTimeoutHeaderMax() != null) {
      cap = t.grpcTimeoutHeaderMax().isZero() ? null : t.grpcTimeoutHeaderMax();
    } else if (t.maxStreamDuration() != null && !t.maxStreamDuration().isZero()) {
      cap = t.maxStreamDuration();
    }
    if (cap == null) {
      return null;
    }
    long capNanos = cap.toNanos();
    if (earlier(options.getDeadline(), capNanos) || earlier(context.getDeadline(), capNanos)) {
      return null;
    }
    return new MeshDeadline(System.nanoTime() + capNanos);
  }

  private static boolean earlier(Deadline app, long capNanos) {
    return app != null && app.timeRemaining(TimeUnit.NANOSECONDS) <= capNanos;
  }

  /** Runs {@code onExpiry} (short, on the watchdog thread) when the cap passes, unless disarmed first. */
  void arm(Runnable onExpiry) {
    armed = DeadlineWatchdog.get().arm(deadlineNanos, () -> {
      fired = true;
      try {
        onExpiry.run();
      } catch (RuntimeException e) {
        log.warn("gRPC call: ending the call at its max_stream_duration failed", e); // the watchdog thread lives on
      }
    });
  }

  /** Cancels the expiry action; the call ended first. */
  void disarm() {
    if (armed != null) {
      armed.disarm();
    }
  }

  /** Whether the cap has passed and the expiry action ran (or is running). */
  boolean fired() {
    return fired;
  }

  /** The {@code System.nanoTime()} at which the cap passes. */
  long deadlineNanos() {
    return deadlineNanos;
  }

  /** Milliseconds left, 0 once passed. */
  long remainingMillis() {
    return Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime()));
  }
}
