package io.bowline.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Set;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;

/** Rotation at half the lifetime: new handshakes get the new certificate, live connections keep theirs. */
class RotationTest {

  private static final String TD = "cluster.local";

  @Test
  void rotationPointIsHalfTheLifetime() {
    Instant notBefore = Instant.parse("2026-01-01T00:00:00Z");
    assertThat(CsrCertificateProvider.rotationPoint(notBefore, notBefore.plus(Duration.ofHours(24))))
        .isEqualTo(notBefore.plus(Duration.ofHours(12)));
  }

  @Test
  void newHandshakesSeeTheNewSerialAndLiveConnectionsStayUp() throws Exception {
    CertificateAuthority ca = CertificateAuthority.create(TD, false);
    SpiffeId serverId = SpiffeId.istio(TD, "default", "reviews");
    WorkloadCertificate clientCertificate = ca.issue(SpiffeId.istio(TD, "default", "productpage"),
        Duration.ofHours(1));
    try (CsrCertificateProvider rotating = CsrCertificateProvider.start(serverId, CertificateSigner.of(ca),
        Duration.ofSeconds(4), CsrCertificateProvider.DEFAULT_JITTER)) {
      await().atMost(Duration.ofSeconds(10)).until(() -> rotating.current() != null);
      SpiffeTls serverTls = SpiffeTls.create(rotating, SpiffePeerPolicy.anyIn(TD));
      try (TlsPeers server = new TlsPeers(serverTls.sslContext())) {
        SSLSocket live = TlsPeers.connect(fresh(clientCertificate), server.port());
        String first = TlsPeers.serverSerial(live);
        Set<String> seen = new LinkedHashSet<>();
        seen.add(first);
        // three rotations of a 4 s certificate: at about 2 s, 4 s and 6 s
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() -> {
          try (SSLSocket socket = TlsPeers.connect(fresh(clientCertificate), server.port())) {
            seen.add(TlsPeers.serverSerial(socket));
            assertThat(TlsPeers.roundTrip(socket, 7)).isEqualTo(7);
          }
          return seen.size() >= 4;
        });
        assertThat(seen).contains(rotating.current().serial());
        // the connection made before every rotation still works and still has its certificate
        assertThat(TlsPeers.roundTrip(live, 9)).isEqualTo(9);
        assertThat(TlsPeers.serverSerial(live)).isEqualTo(first);
        live.close();
      }
    }
  }

  /** A new client context per connection, so that no session is resumed and every handshake is full. */
  private static javax.net.ssl.SSLContext fresh(WorkloadCertificate clientCertificate) {
    return SpiffeTls.create(CertificateProvider.of(clientCertificate), SpiffePeerPolicy.anyIn(TD)).sslContext();
  }
}
