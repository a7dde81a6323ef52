package io.bowline.runtime.inbound;

/**
 * What a server listener's filter chains let onto a port, Istio's PeerAuthentication modes as the chains express
 * them: a chain for TLS connections with a {@code DownstreamTlsContext}, and/or a chain for plaintext ones without.
 */
public enum InboundMode {
  /** mTLS only: TLS with a client certificate that verifies as a mesh identity (STRICT). */
  STRICT,
  /** TLS only, client certificates optional (a DownstreamTlsContext without require_client_certificate). */
  TLS,
  /** TLS and plaintext on one port, told apart by the first bytes ({@link TlsSniffer}) (PERMISSIVE). */
  PERMISSIVE,
  /** Plaintext only (DISABLE). */
  DISABLE,
  /** No server listener for the port (not received yet, or none): every connection is refused, never served open. */
  NONE
}
