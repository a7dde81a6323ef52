package io.bowline.controlplane.istio;

/**
 * A Kubernetes {@code Secret} of type {@code kubernetes.io/tls} that a Gateway server names in its
 * {@code tls.credentialName}: served over SDS, to gateways only, as {@code kubernetes://<name>} (key and
 * certificate) and {@code kubernetes://<name>-cacert} (the CA that verifies client certificates), as istiod
 * names them. {@link #toString} never shows key material.
 *
 * @param ref where it came from
 * @param certificateChain {@code data["tls.crt"]}: the PEM certificate chain
 * @param privateKey {@code data["tls.key"]}: the PEM private key
 * @param caCertificate {@code data["ca.crt"]}: the PEM CA bundle; {@code ""} when absent
 */
public record TlsSecret(ResourceRef ref, String certificateChain, String privateKey, String caCertificate) {

  /** Whether the secret carries a CA bundle (it can verify client certificates). */
  public boolean hasCaCertificate() {
    return !caCertificate.isEmpty();
  }

  /** Names the secret only: its key and certificates are never printed. */
  @Override
  public String toString() {
    return "TlsSecret[" + ref.namespace() + "/" + ref.name() + (hasCaCertificate() ? ", with ca.crt" : "") + "]";
  }
}
