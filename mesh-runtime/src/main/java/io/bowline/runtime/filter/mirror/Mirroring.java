package io.bowline.runtime.filter.mirror;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * One mesh client's request shadowing: its {@link MirrorMetrics} ({@code bowline.mirror.*}) and its
 * {@link MirrorExecutor} ({@value MirrorExecutor#MAX_IN_FLIGHT} threads at most, 1024 queued
 * shadows), made on the first shadow. {@link #close()} stops the executor's threads; the client
 * calls it from its own {@code close()}. Thread-safe.
 */
public final class Mirroring implements AutoCloseable {
  private final MirrorMetrics metrics = new MirrorMetrics();
  private volatile MirrorExecutor executor;
  /**
   * Diagnostics switch: {@code -Dbowline.mirror.connectBackoff=false} (read when a mesh client is
   * built) turns the {@link ShadowConnectBackoff} off, so every shadow to an unreachable mirror
   * endpoint tries to connect (Envoy's behaviour).
   */
  private final boolean shadowConnectBackoff = !"false".equals(System.getProperty("bowline.mirror.connectBackoff"));

  /** The client's mirror executor, created on first use. */
  public MirrorExecutor executor() {
    MirrorExecutor m = executor;
    if (m == null) {
      synchronized (this) {
        if (executor == null) {
          executor = new MirrorExecutor(MirrorExecutor.MAX_IN_FLIGHT, 1024, metrics, shadowConnectBackoff);
        }
        m = executor;
      }
    }
    return m;
  }

  /** Registers the client's mirror meters in {@code registry}; the global registry until called. */
  public void bindMetrics(MeterRegistry registry) {
    metrics.bind(registry);
  }

  @Override
  public void close() {
    MirrorExecutor m = executor;
    if (m != null) {
      m.close();
    }
  }
}
