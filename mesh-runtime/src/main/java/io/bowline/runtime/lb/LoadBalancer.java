package io.bowline.runtime.lb;

/**
 * Picks an upstream host for one request. Implementations are immutable apart from atomic
 * counters and are called concurrently from caller threads without locks.
 */
public interface LoadBalancer {

  /** The chosen host, or {@code null} when no host is available (Envoy: 503, flag {@code UH}). */
  UpstreamHost pick();
}
