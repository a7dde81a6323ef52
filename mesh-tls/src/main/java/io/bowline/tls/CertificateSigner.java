package io.bowline.tls;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;

/**
 * Signs a CSR: a CA reached over the network (Istio's {@code CreateCertificate}) or in process.
 */
@FunctionalInterface
public interface CertificateSigner {

  /**
   * Signs {@code csr} for about {@code ttl} (the CA may shorten it).
   *
   * @return the chain, leaf first, root last (as Istio's {@code IstioCertificateResponse.cert_chain})
   * @throws Exception if the CA refuses or cannot be reached; the message says why and holds no key material
   */
  List<X509Certificate> sign(Csr csr, Duration ttl) throws Exception;

  /** A signer backed by an in-process {@link CertificateAuthority}. */
  static CertificateSigner of(CertificateAuthority authority) {
    return authority::sign;
  }
}
