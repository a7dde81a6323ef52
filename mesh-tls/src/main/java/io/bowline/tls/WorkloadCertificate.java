package io.bowline.tls;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A workload's key, its certificate chain (leaf first) and the roots it trusts: what a key manager presents
 * and a trust manager checks against. {@link #toString()} names the identity, serial and expiry only.
 *
 * @param privateKey the leaf's private key
 * @param chain the leaf first, then intermediates; never empty
 * @param trustBundle the trusted roots; never empty
 */
public record WorkloadCertificate(PrivateKey privateKey, List<X509Certificate> chain,
    List<X509Certificate> trustBundle) {

  /** Copies the lists. */
  public WorkloadCertificate {
    Objects.requireNonNull(privateKey, "privateKey");
    chain = List.copyOf(chain);
    trustBundle = List.copyOf(trustBundle);
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("the certificate chain is empty");
    }
    if (trustBundle.isEmpty()) {
      throw new IllegalArgumentException("the trust bundle is empty");
    }
  }

  /** The leaf certificate. */
  public X509Certificate leaf() {
    return chain.get(0);
  }

  /** The leaf's {@code notBefore}. */
  public Instant notBefore() {
    return leaf().getNotBefore().toInstant();
  }

  /** The leaf's {@code notAfter}. */
  public Instant notAfter() {
    return leaf().getNotAfter().toInstant();
  }

  /** The leaf's serial number in hex. */
  public String serial() {
    return leaf().getSerialNumber().toString(16);
  }

  @Override
  public String toString() {
    return "WorkloadCertificate{" + X509Svid.describe(leaf()) + ", notAfter=" + notAfter() + ", chain="
        + chain.size() + ", roots=" + trustBundle.size() + "}";
  }
}
