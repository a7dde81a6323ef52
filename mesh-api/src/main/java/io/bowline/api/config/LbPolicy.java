package io.bowline.api.config;

/** Envoy {@code Cluster.LbPolicy} values the runtime implements. */
public enum LbPolicy {
  /** Weighted round robin over healthy hosts (Envoy's default). */
  ROUND_ROBIN,
  /** Power of two choices on active requests (Istio's default). */
  LEAST_REQUEST,
  /** Weighted random. */
  RANDOM
}
