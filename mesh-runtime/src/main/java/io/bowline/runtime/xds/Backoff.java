package io.bowline.runtime.xds;

import java.util.concurrent.ThreadLocalRandom;

/**
 * gRPC connection backoff: initial 1 s, multiplier 1.6, jitter ±20 %, cap 120 s. The xDS client resets it
 * when a stream receives a response (gRFC A57); an {@link XdsTransport} may use it for its reconnects. Not
 * thread-safe: confined to one thread (the config executor, or a transport's event loop).
 */
public final class Backoff {
  private static final double INITIAL_MS = 1_000;
  private static final double MULTIPLIER = 1.6;
  private static final double JITTER = 0.2;
  private static final double MAX_MS = 120_000;

  private final double initialMs;
  private double nextMs;

  Backoff(long initialMs) {
    this.initialMs = initialMs > 0 ? initialMs : INITIAL_MS;
    this.nextMs = this.initialMs;
  }

  /** gRPC's backoff, starting at 1 s. */
  public Backoff() {
    this((long) INITIAL_MS);
  }

  /** The delay before the next attempt, in ms; grows the one after. */
  public long nextDelayMs() {
    double current = nextMs;
    nextMs = Math.min(nextMs * MULTIPLIER, MAX_MS);
    double jitter = current * JITTER * (2 * ThreadLocalRandom.current().nextDouble() - 1);
    return Math.max(0, Math.round(current + jitter));
  }

  /** Starts again from the initial delay. */
  public void reset() {
    nextMs = initialMs;
  }
}
