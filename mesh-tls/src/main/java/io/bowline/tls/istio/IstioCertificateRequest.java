package io.bowline.tls.istio;

import java.util.Objects;

/**
 * Istio's {@code istio.v1.auth.IstioCertificateRequest} ({@code security/v1alpha1/ca.proto}): field 1
 * {@code csr}, field 3 {@code validity_duration}; {@code metadata} (field 4) and unknown fields are skipped.
 *
 * @param csr the PEM CSR
 * @param validityDurationSeconds {@code validity_duration}, seconds; 0 leaves the choice to the CA
 */
public record IstioCertificateRequest(String csr, long validityDurationSeconds) {

  /** Checks the fields. */
  public IstioCertificateRequest {
    Objects.requireNonNull(csr, "csr");
    if (validityDurationSeconds < 0) {
      throw new IllegalArgumentException("validity_duration must not be negative");
    }
  }

  @Override
  public String toString() {
    return "IstioCertificateRequest{csr=" + csr.length() + " chars, validity_duration=" + validityDurationSeconds
        + "s}";
  }
}
