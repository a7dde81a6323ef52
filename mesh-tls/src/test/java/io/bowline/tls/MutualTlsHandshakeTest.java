package io.bowline.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bowline.api.config.StringMatcher;
import io.bowline.api.config.StringMatcher.Kind;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Real TLS 1.3 handshakes on loopback, JDK sockets at both ends, with certificates the CA issues. */
class MutualTlsHandshakeTest {

  private static final String TD = "cluster.local";
  private static final SpiffeId SERVER = SpiffeId.istio(TD, "default", "reviews");
  private static final SpiffeId CLIENT = SpiffeId.istio(TD, "default", "productpage");

  private final CertificateAuthority ca = CertificateAuthority.create(TD, true);
  private TlsPeers server;

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  private int serve(WorkloadCertificate certificate, SpiffePeerPolicy peers) throws Exception {
    server = new TlsPeers(SpiffeTls.create(CertificateProvider.of(certificate), peers).sslContext());
    return server.port();
  }

  private static SpiffeTls client(WorkloadCertificate certificate, SpiffePeerPolicy peers) {
    return SpiffeTls.create(CertificateProvider.of(certificate), peers);
  }

  private static SpiffePeerPolicy expecting(Kind kind, String value) {
    return new SpiffePeerPolicy(Set.of(TD), List.of(new StringMatcher(kind, value, false)));
  }

  @Test
  void mutualHandshakeSucceedsAndEachSideSeesTheOthersSpiffeId() throws Exception {
    WorkloadCertificate serverCertificate = ca.issue(SERVER, Duration.ofHours(1));
    WorkloadCertificate clientCertificate = ca.issue(CLIENT, Duration.ofHours(1));
    int port = serve(serverCertificate, expecting(Kind.EXACT, CLIENT.uri()));
    try (SSLSocket socket = TlsPeers.connect(
        client(clientCertificate, expecting(Kind.EXACT, SERVER.uri())).sslContext(), port)) {
      assertThat(TlsPeers.roundTrip(socket, 42)).isEqualTo(42);
      assertThat(TlsPeers.serverSerial(socket)).isEqualTo(serverCertificate.serial());
      assertThat(X509Svid.leafId((java.security.cert.X509Certificate) socket.getSession().getPeerCertificates()[0]))
          .isEqualTo(SERVER);
    }
    assertThat(server.accepted.poll(5, TimeUnit.SECONDS).clientSerial()).isEqualTo(clientCertificate.serial());
  }

  @Test
  void everyXdsMatcherKindSelectsOnTheUriSan() throws Exception {
    int port = serve(ca.issue(SERVER, Duration.ofHours(1)), SpiffePeerPolicy.anyIn(TD));
    WorkloadCertificate clientCertificate = ca.issue(CLIENT, Duration.ofHours(1));
    for (StringMatcher matcher : List.of(new StringMatcher(Kind.EXACT, SERVER.uri(), false),
        new StringMatcher(Kind.PREFIX, "spiffe://cluster.local/ns/default/", false),
        new StringMatcher(Kind.SUFFIX, "/sa/REVIEWS", true),
        new StringMatcher(Kind.CONTAINS, "/ns/default/", false),
        new StringMatcher(Kind.REGEX, "spiffe://cluster\\.local/ns/[a-z]+/sa/rev.*", false))) {
      SpiffeTls tls = client(clientCertificate, new SpiffePeerPolicy(Set.of(TD), List.of(matcher)));
      try (SSLSocket socket = TlsPeers.connect(tls.sslContext(), port)) {
        assertThat(TlsPeers.roundTrip(socket, 1)).as(matcher.toString()).isEqualTo(1);
      }
    }
  }

  @Test
  void sanMismatchIsRefusedNamingThePeerAndTheMatchers() throws Exception {
    int port = serve(ca.issue(SpiffeId.istio(TD, "default", "ratings"), Duration.ofHours(1)),
        SpiffePeerPolicy.anyIn(TD));
    SpiffeTls tls = client(ca.issue(CLIENT, Duration.ofHours(1)), expecting(Kind.EXACT, SERVER.uri()));
    assertThatThrownBy(() -> TlsPeers.connect(tls.sslContext(), port))
        .isInstanceOf(SSLHandshakeException.class)
        .hasMessageContaining("peer spiffe://cluster.local/ns/default/sa/ratings matches none of the subject "
            + "alternative name matchers");
  }

  @Test
  void regexMustMatchTheWholeSan() throws Exception {
    int port = serve(ca.issue(SERVER, Duration.ofHours(1)), SpiffePeerPolicy.anyIn(TD));
    SpiffeTls tls = client(ca.issue(CLIENT, Duration.ofHours(1)), expecting(Kind.REGEX, "sa/reviews"));
    assertThatThrownBy(() -> TlsPeers.connect(tls.sslContext(), port)).hasMessageContaining("matches none");
  }

  @Test
  void expiredCertificateIsRefused() throws Exception {
    KeyPair keys = Keys.ecP256();
    Instant now = Instant.now();
    WorkloadCertificate expired = new WorkloadCertificate(keys.getPrivate(),
        ca.sign(keys.getPublic(), SERVER, now.minus(Duration.ofHours(2)), now.minus(Duration.ofHours(1))),
        List.of(ca.root()));
    int port = serve(expired, SpiffePeerPolicy.anyIn(TD));
    SpiffeTls tls = client(ca.issue(CLIENT, Duration.ofHours(1)), SpiffePeerPolicy.anyIn(TD));
    assertThatThrownBy(() -> TlsPeers.connect(tls.sslContext(), port))
        .isInstanceOf(SSLHandshakeException.class)
        .hasMessageContaining("(" + SERVER.uri() + ") expired at");
  }

  @Test
  void certificateFromAnUntrustedCaIsRefused() throws Exception {
    CertificateAuthority other = CertificateAuthority.create(TD, false);
    int port = serve(other.issue(SERVER, Duration.ofHours(1)), SpiffePeerPolicy.anyIn(TD));
    SpiffeTls tls = client(ca.issue(CLIENT, Duration.ofHours(1)), SpiffePeerPolicy.anyIn(TD));
    assertThatThrownBy(() -> TlsPeers.connect(tls.sslContext(), port))
        .isInstanceOf(SSLHandshakeException.class)
        .hasMessageContaining("does not chain to a trusted root");
  }

  @Test
  void trustDomainNotTrustedIsRefusedEvenWithTheSameRoot() throws Exception {
    CertificateAuthority foreign = CertificateAuthority.create("example.org", false);
    WorkloadCertificate foreignServer = foreign.issue(SpiffeId.istio("example.org", "default", "reviews"),
        Duration.ofHours(1));
    WorkloadCertificate clientCertificate = ca.issue(CLIENT, Duration.ofHours(1));
    // the client trusts both roots, but only the cluster.local trust domain
    WorkloadCertificate clientTrustingBoth = new WorkloadCertificate(clientCertificate.privateKey(),
        clientCertificate.chain(), List.of(ca.root(), foreign.root()));
    int port = serve(foreignServer, SpiffePeerPolicy.anyIn("example.org"));
    SpiffeTls tls = client(clientTrustingBoth, SpiffePeerPolicy.anyIn(TD));
    assertThatThrownBy(() -> TlsPeers.connect(tls.sslContext(), port))
        .isInstanceOf(SSLHandshakeException.class)
        .hasMessageContaining("is in trust domain example.org, which is not trusted");
  }

  @Test
  void serverRefusesAClientWithoutCertificate() throws Exception {
    int port = serve(ca.issue(SERVER, Duration.ofHours(1)), SpiffePeerPolicy.anyIn(TD));
    SpiffeTrustManager trustOnly = new SpiffeTrustManager(SpiffePeerPolicy.anyIn(TD));
    trustOnly.updateTrustBundle(List.of(ca.root()));
    javax.net.ssl.SSLContext noCertificate = javax.net.ssl.SSLContext.getInstance("TLS");
    noCertificate.init(null, new javax.net.ssl.TrustManager[] {trustOnly}, null);
    assertThatThrownBy(() -> {
      try (SSLSocket socket = TlsPeers.connect(noCertificate, port)) {
        TlsPeers.roundTrip(socket, 1);
      }
    }).isInstanceOf(java.io.IOException.class);
    TlsPeers.Accepted seen = server.accepted.poll(5, TimeUnit.SECONDS);
    assertThat(seen.failure()).isInstanceOf(SSLHandshakeException.class);
  }
}
