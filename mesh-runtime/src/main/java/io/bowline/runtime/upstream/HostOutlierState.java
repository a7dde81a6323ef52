package io.bowline.runtime.upstream;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** One host's outlier-detection state; survives config updates that keep the host. */
final class HostOutlierState {
  final String hostPort;
  final AtomicInteger consecutive5xx = new AtomicInteger();
  final AtomicInteger consecutiveGateway = new AtomicInteger();
  final AtomicInteger consecutiveLocal = new AtomicInteger();
  /** Requests and failures in the current interval (success rate / failure percentage). */
  final AtomicLong intervalRequests = new AtomicLong();
  final AtomicLong intervalFailures = new AtomicLong();
  /** {@code System.nanoTime()} when the ejection ends; 0 when not ejected. */
  volatile long ejectedUntilNanos;
  /** {@code System.nanoTime()} of the last un-ejection; 0 when never ejected. */
  volatile long unejectedAtNanos;
  /** Number of ejections in a row (the multiplier); changed only under the host's lock. */
  volatile int multiplier;
  /** Requests and failures of the last finished interval; written by the sweep only. */
  volatile long lastIntervalRequests;
  volatile long lastIntervalFailures;

  HostOutlierState(String hostPort) {
    this.hostPort = hostPort;
  }

  boolean ejected() {
    return ejectedUntilNanos != 0;
  }
}
