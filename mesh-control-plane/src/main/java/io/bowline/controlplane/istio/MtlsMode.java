package io.bowline.controlplane.istio;

/**
 * Istio {@code PeerAuthentication.MutualTLS.Mode} (security/v1beta1): how a workload accepts inbound
 * connections.
 */
public enum MtlsMode {
  /** Inherit from the enclosing scope (workload → namespace → mesh); PERMISSIVE at the root. */
  UNSET,
  /** Plaintext only. */
  DISABLE,
  /** mTLS and plaintext (the mesh default). */
  PERMISSIVE,
  /** mTLS only. */
  STRICT
}
