package io.bowline.tls;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Arrays;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Verifies a SPIFFE peer as the X.509-SVID standard (section 5) says: RFC 5280 path validation against the
 * current trust bundle (which may rotate, see {@link #updateTrustBundle}), then the leaf rules of
 * {@link X509Svid}, then the {@link SpiffePeerPolicy} (trust domain, URI SAN matchers). Host names are not
 * checked: the SPIFFE ID is the peer's identity. Errors say which check failed and name the certificate by
 * serial and SAN.
 *
 * <p>Thread-safe; a rotation of the trust bundle applies to the next handshake.
 */
public final class SpiffeTrustManager extends X509ExtendedTrustManager {

  private final SpiffePeerPolicy.Compiled policy;
  private final Clock clock;
  private volatile Set<TrustAnchor> anchors = Set.of();
  private volatile List<X509Certificate> bundle = List.of();

  /** Accepts peers that {@code policy} allows, once a trust bundle is set. */
  public SpiffeTrustManager(SpiffePeerPolicy policy) {
    this(policy, Clock.systemUTC());
  }

  /** {@link #SpiffeTrustManager(SpiffePeerPolicy)} checking validity at {@code clock}'s time. */
  public SpiffeTrustManager(SpiffePeerPolicy policy, Clock clock) {
    this.policy = policy.compile();
    this.clock = clock;
  }

  /** Trusts {@code roots} from the next handshake on. */
  public void updateTrustBundle(List<X509Certificate> roots) {
    Set<TrustAnchor> next = new HashSet<>();
    for (X509Certificate root : roots) {
      next.add(new TrustAnchor(root, null));
    }
    bundle = List.copyOf(roots);
    anchors = Set.copyOf(next);
  }

  /**
   * Verifies {@code chain} (leaf first) and returns the peer's SPIFFE ID.
   *
   * @throws CertificateException saying which check refused the peer
   */
  public SpiffeId verify(X509Certificate[] chain) throws CertificateException {
    if (chain == null || chain.length == 0) {
      throw new CertificateException("the peer presented no certificate");
    }
    Set<TrustAnchor> trusted = anchors;
    if (trusted.isEmpty()) {
      throw new CertificateException("no trust bundle yet: the peer cannot be verified");
    }
    X509Certificate leaf = chain[0];
    Date now = Date.from(clock.instant());
    for (X509Certificate certificate : chain) {
      try {
        certificate.checkValidity(now);
      } catch (CertificateExpiredException e) {
        throw new CertificateException("peer " + X509Svid.describe(certificate) + " expired at "
            + certificate.getNotAfter().toInstant(), e);
      } catch (CertificateNotYetValidException e) {
        throw new CertificateException("peer " + X509Svid.describe(certificate) + " is not valid before "
            + certificate.getNotBefore().toInstant(), e);
      }
    }
    try {
      // a path is built from what the peer sent, in any order and with duplicates, as OpenSSL and BoringSSL do
      X509CertSelector target = new X509CertSelector();
      target.setCertificate(leaf);
      PKIXBuilderParameters parameters = new PKIXBuilderParameters(trusted, target);
      parameters.setRevocationEnabled(false);
      parameters.setDate(now);
      parameters.addCertStore(CertStore.getInstance("Collection",
          new CollectionCertStoreParameters(Arrays.asList(chain))));
      CertPathBuilder.getInstance("PKIX").build(parameters);
    } catch (CertPathBuilderException e) {
      throw new CertificateException("peer " + X509Svid.describe(leaf)
          + " does not chain to a trusted root (" + rootCause(e) + ")", e);
    } catch (GeneralSecurityException e) {
      throw new CertificateException("peer " + X509Svid.describe(leaf) + " cannot be path-validated", e);
    }
    SpiffeId peer = X509Svid.leafId(leaf);
    policy.check(peer);
    return peer;
  }

  private static String rootCause(Throwable e) {
    Throwable cause = e;
    while (cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause.getMessage();
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    verify(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    verify(chain);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    verify(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    verify(chain);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    verify(chain);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    verify(chain);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return bundle.toArray(new X509Certificate[0]);
  }

  @Override
  public String toString() {
    return "SpiffeTrustManager{" + policy.policy() + ", roots=" + bundle.size() + "}";
  }
}
