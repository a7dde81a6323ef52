package io.bowline.runtime.inbound;

import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Who the peer of an inbound connection proved to be with its (verified) TLS client certificate: what RBAC's
 * {@code authenticated.principal_name} is matched against (URI SANs, then DNS SANs, then the subject, gRFC A41).
 * Holds names only, never certificates or keys.
 *
 * @param uriSans the leaf's URI SANs; for a mesh workload one SPIFFE ID,
 *     {@code spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>}
 * @param dnsSans the leaf's DNS SANs
 * @param subject the leaf's subject DN (RFC 2253), possibly {@code ""}
 * @param serial the leaf's serial number in hex (to tell rotated certificates apart)
 */
public record PeerIdentity(List<String> uriSans, List<String> dnsSans, String subject, String serial) {

  /**
   * Keeps immutable copies.
   *
   * @param uriSans the leaf's URI SANs
   * @param dnsSans the leaf's DNS SANs
   * @param subject the leaf's subject DN
   * @param serial the leaf's serial number in hex
   */
  public PeerIdentity {
    uriSans = List.copyOf(uriSans);
    dnsSans = List.copyOf(dnsSans);
  }

  /** The SPIFFE ID (the first URI SAN), or {@code ""} when the certificate has no URI SAN. */
  public String principal() {
    return uriSans.isEmpty() ? "" : uriSans.get(0);
  }

  /**
   * The identity of a verified leaf certificate.
   *
   * @param leaf the peer's leaf certificate, already verified by the handshake
   * @return its names
   */
  public static PeerIdentity of(X509Certificate leaf) {
    List<String> uris = new ArrayList<>();
    List<String> dns = new ArrayList<>();
    try {
      Collection<List<?>> sans = leaf.getSubjectAlternativeNames();
      if (sans != null) {
        for (List<?> san : sans) {
          Object type = san.get(0);
          if (Integer.valueOf(6).equals(type)) {
            uris.add(String.valueOf(san.get(1)));
          } else if (Integer.valueOf(2).equals(type)) {
            dns.add(String.valueOf(san.get(1)));
          }
        }
      }
    } catch (CertificateParsingException e) {
      // an unreadable SAN extension names nobody; the subject is still matched
    }
    return new PeerIdentity(uris, dns, leaf.getSubjectX500Principal().getName(), leaf.getSerialNumber().toString(16));
  }

  /**
   * The peer of a finished handshake, or {@code null} when it sent no certificate.
   *
   * @param session the handshake's session, or {@code null} (plaintext)
   * @return the identity, or {@code null}
   */
  public static PeerIdentity of(SSLSession session) {
    if (session == null) {
      return null;
    }
    try {
      Certificate[] chain = session.getPeerCertificates();
      return chain.length > 0 && chain[0] instanceof X509Certificate leaf ? of(leaf) : null;
    } catch (SSLPeerUnverifiedException e) {
      return null;
    }
  }

  @Override
  public String toString() {
    return uriSans.isEmpty() ? (dnsSans.isEmpty() ? subject : dnsSans.get(0)) : uriSans.get(0);
  }
}
