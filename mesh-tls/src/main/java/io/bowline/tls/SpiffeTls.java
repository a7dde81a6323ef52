package io.bowline.tls;

import java.security.GeneralSecurityException;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

/**
 * An {@link SSLContext} for mutual TLS between SPIFFE workloads whose key and trust managers follow a
 * {@link CertificateProvider}: each rotation applies to the next handshake, live connections keep theirs.
 *
 * @param sslContext a TLS context (TLS 1.2 and 1.3) using {@link #keyManager} and {@link #trustManager}
 * @param keyManager presents the provider's current certificate
 * @param trustManager verifies peers against the provider's current trust bundle and the peer policy
 */
public record SpiffeTls(SSLContext sslContext, RotatingKeyManager keyManager, SpiffeTrustManager trustManager) {

  /**
   * Wires managers to {@code provider} and builds the context.
   *
   * @param provider where the certificate and trust bundle come from
   * @param peers which peers to accept
   */
  public static SpiffeTls create(CertificateProvider provider, SpiffePeerPolicy peers) {
    RotatingKeyManager keyManager = new RotatingKeyManager();
    SpiffeTrustManager trustManager = new SpiffeTrustManager(peers);
    provider.addListener(certificate -> {
      trustManager.updateTrustBundle(certificate.trustBundle());
      keyManager.update(certificate);
    });
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(new KeyManager[] {keyManager}, new TrustManager[] {trustManager}, null);
      return new SpiffeTls(context, keyManager, trustManager);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK has no usable TLS implementation", e);
    }
  }
}
