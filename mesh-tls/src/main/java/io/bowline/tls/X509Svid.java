package io.bowline.tls;

import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The leaf and signing certificate rules of the SPIFFE X.509-SVID standard (sections 2, 4 and 5.2): a leaf
 * has exactly one URI SAN, a SPIFFE ID with a path; {@code cA=false}; key usage with
 * {@code digitalSignature} and without {@code keyCertSign}/{@code cRLSign}; an extended key usage, if
 * present, with {@code serverAuth} and {@code clientAuth}. Messages name the certificate by serial number
 * and subject alternative name, never by its bytes.
 */
public final class X509Svid {

  private static final int URI_SAN = 6;
  private static final int DIGITAL_SIGNATURE = 0;
  private static final int KEY_CERT_SIGN = 5;
  private static final int CRL_SIGN = 6;
  private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
  private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

  private X509Svid() {
  }

  /**
   * Checks {@code leaf} as an X.509-SVID leaf and returns its SPIFFE ID.
   *
   * @throws CertificateException saying which rule the certificate breaks
   */
  public static SpiffeId leafId(X509Certificate leaf) throws CertificateException {
    List<String> uris = uriSans(leaf);
    String name = describe(leaf);
    if (uris.size() != 1) {
      throw new CertificateException(name + " is not an X.509-SVID: it has " + uris.size()
          + " URI SANs, exactly one is required");
    }
    SpiffeId id;
    try {
      id = SpiffeId.parse(uris.get(0));
    } catch (IllegalArgumentException e) {
      throw new CertificateException(name + " is not an X.509-SVID: " + e.getMessage(), e);
    }
    if (id.path().isEmpty()) {
      throw new CertificateException(name + " is not an X.509-SVID leaf: " + id + " has no path");
    }
    if (leaf.getBasicConstraints() >= 0) {
      throw new CertificateException(name + " is not an X.509-SVID leaf: basicConstraints cA=true");
    }
    boolean[] usage = leaf.getKeyUsage();
    if (usage == null || !usage[DIGITAL_SIGNATURE]) {
      throw new CertificateException(name + " is not an X.509-SVID leaf: key usage lacks digitalSignature");
    }
    if (usage[KEY_CERT_SIGN] || usage[CRL_SIGN]) {
      throw new CertificateException(name + " is not an X.509-SVID leaf: key usage has keyCertSign or cRLSign");
    }
    List<String> eku = leaf.getExtendedKeyUsage();
    if (eku != null && !(eku.contains(SERVER_AUTH) && eku.contains(CLIENT_AUTH))) {
      throw new CertificateException(
          name + " is not an X.509-SVID leaf: extended key usage lacks serverAuth or clientAuth");
    }
    return id;
  }

  /**
   * Checks {@code signer} as an X.509-SVID signing certificate: {@code cA=true} and {@code keyCertSign}.
   *
   * @throws CertificateException saying which rule the certificate breaks
   */
  public static void checkSigning(X509Certificate signer) throws CertificateException {
    boolean[] usage = signer.getKeyUsage();
    if (signer.getBasicConstraints() < 0 || usage == null || !usage[KEY_CERT_SIGN]) {
      throw new CertificateException(describe(signer) + " cannot sign X.509-SVIDs: it needs cA=true and keyCertSign");
    }
  }

  /** The URI subject alternative names of {@code certificate}, in order. */
  public static List<String> uriSans(X509Certificate certificate) throws CertificateParsingException {
    Collection<List<?>> sans = certificate.getSubjectAlternativeNames();
    List<String> uris = new ArrayList<>();
    if (sans != null) {
      for (List<?> san : sans) {
        if (((Integer) san.get(0)) == URI_SAN) {
          uris.add((String) san.get(1));
        }
      }
    }
    return uris;
  }

  /** {@code certificate serial <hex> (<URI SANs>)}: how messages name a certificate. */
  public static String describe(X509Certificate certificate) {
    String sans;
    try {
      sans = String.join(", ", uriSans(certificate));
    } catch (CertificateParsingException e) {
      sans = "unparseable SANs";
    }
    return "certificate serial " + certificate.getSerialNumber().toString(16)
        + (sans.isEmpty() ? " (no URI SAN)" : " (" + sans + ")");
  }
}
