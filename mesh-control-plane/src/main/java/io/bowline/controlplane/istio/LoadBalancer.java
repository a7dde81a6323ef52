package io.bowline.controlplane.istio;

/**
 * Istio {@code LoadBalancerSettings.simple} after Istio's own normalisation: {@code UNSPECIFIED} and
 * {@code LEAST_CONN} (a deprecated alias) become {@link #LEAST_REQUEST}.
 */
public enum LoadBalancer {
  /** Envoy {@code ROUND_ROBIN}. */
  ROUND_ROBIN,
  /** Envoy {@code LEAST_REQUEST}; Istio's default. */
  LEAST_REQUEST,
  /** Envoy {@code RANDOM}. */
  RANDOM
}
