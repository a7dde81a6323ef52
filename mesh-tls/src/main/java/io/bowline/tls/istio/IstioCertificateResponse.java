package io.bowline.tls.istio;

import java.util.List;

/**
 * Istio's {@code istio.v1.auth.IstioCertificateResponse}: field 1, repeated {@code cert_chain}, PEM, leaf first
 * and root last.
 *
 * @param certChain the PEM certificates
 */
public record IstioCertificateResponse(List<String> certChain) {

  /** Copies the list. */
  public IstioCertificateResponse {
    certChain = List.copyOf(certChain);
  }

  @Override
  public String toString() {
    return "IstioCertificateResponse{cert_chain=" + certChain.size() + " certificates}";
  }
}
