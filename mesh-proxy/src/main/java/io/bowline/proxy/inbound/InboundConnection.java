package io.bowline.proxy.inbound;

import io.bowline.runtime.inbound.InboundPort;
import io.bowline.runtime.inbound.PeerIdentity;
import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * What one inbound connection is on the mesh: the {@link InboundPort} whose server listener it was accepted by,
 * whether it is TLS, and once its handshake is done who the peer proved to be (read once from the TLS session and
 * kept: names and a digest only, never certificates or keys).
 */
final class InboundConnection {
  static final AttributeKey<InboundConnection> KEY = AttributeKey.valueOf(InboundConnection.class, "inbound");

  /** The verified peer of a TLS connection, as XFCC and RBAC need it. */
  record Identity(PeerIdentity peer, String peerCertSha256, String localUri, String serverName) {}

  private static final Identity PLAINTEXT = new Identity(null, "", "", "");

  final InboundPort port;
  final boolean tls;
  private Identity identity;

  InboundConnection(InboundPort port, boolean tls) {
    this.port = port;
    this.tls = tls;
  }

  /** The connection's identity (on the event loop; computed at the first request, after the handshake). */
  Identity identity(Channel connection) {
    if (identity == null) {
      SslHandler ssl = tls ? connection.pipeline().get(SslHandler.class) : null;
      identity = ssl == null ? PLAINTEXT : of(ssl.engine().getSession());
    }
    return identity;
  }

  static InetSocketAddress address(java.net.SocketAddress a) {
    return a instanceof InetSocketAddress i ? i : new InetSocketAddress(0);
  }

  private static Identity of(SSLSession session) {
    String sni = session instanceof ExtendedSSLSession e ? e.getRequestedServerNames().stream()
        .filter(s -> s instanceof SNIHostName).map(s -> ((SNIHostName) s).getAsciiName()).findFirst().orElse("") : "";
    String local = "";
    Certificate[] own = session.getLocalCertificates();
    if (own != null && own.length > 0 && own[0] instanceof X509Certificate leaf) {
      local = firstUriSan(leaf);
    }
    try {
      Certificate[] chain = session.getPeerCertificates();
      if (chain.length > 0 && chain[0] instanceof X509Certificate leaf) {
        return new Identity(PeerIdentity.of(leaf), sha256(leaf), local, sni);
      }
    } catch (SSLPeerUnverifiedException e) {
      // no client certificate: a TLS peer with no identity
    }
    return new Identity(null, "", local, sni);
  }

  private static String firstUriSan(X509Certificate cert) {
    try {
      java.util.Collection<List<?>> sans = cert.getSubjectAlternativeNames();
      if (sans != null) {
        for (List<?> san : sans) {
          if (Integer.valueOf(6).equals(san.get(0))) {
            return String.valueOf(san.get(1));
          }
        }
      }
    } catch (CertificateParsingException e) {
      // no readable URI SAN: XFCC carries no By
    }
    return "";
  }

  /** Envoy's {@code sha256PeerCertificateDigest}: SHA-256 of the leaf's DER, lower-case hex. */
  static String sha256(X509Certificate cert) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
    } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
      return "";
    }
  }
}
