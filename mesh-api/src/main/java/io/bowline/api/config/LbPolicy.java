package io.bowline.api.config;

/** Envoy {@code Cluster.LbPolicy} values the runtime implements. */
public enum LbPolicy {
  /** Weighted round robin over healthy hosts (Envoy's default). */
  ROUND_ROBIN,
  /** Power of N choices on active requests (Istio's default). */
  LEAST_REQUEST,
  /** Weighted random. */
  RANDOM,
  /** Ketama ring of xxHash64 values; needs a {@link HashPolicy} on the route. */
  RING_HASH,
  /** Maglev lookup table; needs a {@link HashPolicy} on the route. */
  MAGLEV
}
