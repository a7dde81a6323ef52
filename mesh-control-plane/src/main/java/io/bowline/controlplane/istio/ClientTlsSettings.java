package io.bowline.controlplane.istio;

import java.util.List;

/**
 * Istio {@code ClientTLSSettings} ({@code DestinationRule.trafficPolicy.tls}): how a client connects to the
 * destination.
 *
 * @param mode {@code mode}
 * @param clientCertificate {@code clientCertificate} (a file path, MUTUAL); {@code ""} when unset
 * @param privateKey {@code privateKey} (a file path, MUTUAL); {@code ""} when unset
 * @param caCertificates {@code caCertificates} (a file path); {@code ""} when unset
 * @param credentialName {@code credentialName} (a Kubernetes secret); {@code ""} when unset
 * @param subjectAltNames {@code subjectAltNames}: identities the server certificate must carry
 * @param sni {@code sni}; {@code ""} when unset
 */
public record ClientTlsSettings(Mode mode, String clientCertificate, String privateKey, String caCertificates,
    String credentialName, List<String> subjectAltNames, String sni) {

  /** {@code ClientTLSSettings.TLSmode}. */
  public enum Mode {
    /** Plaintext. */
    DISABLE,
    /** TLS authenticating the server only. */
    SIMPLE,
    /** mTLS with the certificates named in the settings. */
    MUTUAL,
    /** mTLS with the mesh's workload certificates. */
    ISTIO_MUTUAL
  }

  /** Copies the list so the record stays immutable. */
  public ClientTlsSettings {
    subjectAltNames = List.copyOf(subjectAltNames);
  }
}
