package io.bowline.runtime.upstream.lb;

/**
 * Picks an upstream host for one request. Implementations are immutable apart from atomic
 * counters and are called concurrently from caller threads without locks.
 */
public interface LoadBalancer {
  /** The request has no hash (no {@code hash_policy}, or none yielded a value): pick at random. */
  long NO_HASH = Long.MIN_VALUE;

  /**
   * The chosen host, or {@code null} when no host is available (Envoy: 503, flag {@code UH}).
   *
   * @param hash the request hash from the route's {@code hash_policy}, or {@link #NO_HASH};
   *     only consistent-hash balancers ({@code RING_HASH}, {@code MAGLEV}) use it
   */
  UpstreamHost pick(long hash);

  /** {@link #pick(long)} without a hash. */
  default UpstreamHost pick() {
    return pick(NO_HASH);
  }
}
