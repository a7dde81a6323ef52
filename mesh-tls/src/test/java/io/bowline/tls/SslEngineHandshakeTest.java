package io.bowline.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bowline.api.config.StringMatcher;
import java.nio.ByteBuffer;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/**
 * The SSLEngine paths of the managers (what Netty, gRPC and OkHttp's engines call): a mutual handshake between
 * two JDK engines, records passed between them as a transport would.
 */
class SslEngineHandshakeTest {

  private static final String TD = "cluster.local";
  private static final SpiffeId SERVER = SpiffeId.istio(TD, "default", "reviews");
  private static final SpiffeId CLIENT = SpiffeId.istio(TD, "default", "productpage");

  private final CertificateAuthority ca = CertificateAuthority.create(TD, true);

  @Test
  void enginesCompleteAMutualHandshakeAndSeeEachOthersSpiffeId() throws Exception {
    WorkloadCertificate serverCertificate = ca.issue(SERVER, Duration.ofHours(1));
    SSLEngine server = serverEngine(serverCertificate);
    SSLEngine client = clientEngine(ca.issue(CLIENT, Duration.ofHours(1)), SERVER.uri());
    handshake(client, server);
    assertThat(X509Svid.leafId((X509Certificate) client.getSession().getPeerCertificates()[0])).isEqualTo(SERVER);
    assertThat(X509Svid.leafId((X509Certificate) server.getSession().getPeerCertificates()[0])).isEqualTo(CLIENT);
    assertThat(((X509Certificate) client.getSession().getPeerCertificates()[0]).getSerialNumber().toString(16))
        .isEqualTo(serverCertificate.serial());
  }

  @Test
  void engineRefusesASanMismatch() throws Exception {
    SSLEngine server = serverEngine(ca.issue(SpiffeId.istio(TD, "default", "ratings"), Duration.ofHours(1)));
    SSLEngine client = clientEngine(ca.issue(CLIENT, Duration.ofHours(1)), SERVER.uri());
    assertThatThrownBy(() -> handshake(client, server))
        .isInstanceOf(SSLHandshakeException.class)
        .hasMessageContaining("peer spiffe://cluster.local/ns/default/sa/ratings matches none");
  }

  private SSLEngine serverEngine(WorkloadCertificate certificate) {
    SSLEngine engine = SpiffeTls.create(CertificateProvider.of(certificate), SpiffePeerPolicy.anyIn(TD))
        .sslContext().createSSLEngine();
    engine.setUseClientMode(false);
    engine.setNeedClientAuth(true);
    return engine;
  }

  private SSLEngine clientEngine(WorkloadCertificate certificate, String expectedSan) {
    SSLEngine engine = SpiffeTls.create(CertificateProvider.of(certificate), new SpiffePeerPolicy(Set.of(TD),
        List.of(new StringMatcher(StringMatcher.Kind.EXACT, expectedSan, false)))).sslContext()
        .createSSLEngine("reviews.default.svc.cluster.local", 443);
    engine.setUseClientMode(true);
    return engine;
  }

  /** Passes records between the engines until both finish the handshake; a refusal throws from unwrap. */
  private static void handshake(SSLEngine client, SSLEngine server) throws SSLException {
    int size = Math.max(client.getSession().getPacketBufferSize(), server.getSession().getPacketBufferSize());
    ByteBuffer toServer = ByteBuffer.allocate(size * 4);
    ByteBuffer toClient = ByteBuffer.allocate(size * 4);
    ByteBuffer application = ByteBuffer.allocate(size * 4);
    client.beginHandshake();
    server.beginHandshake();
    for (int step = 0; step < 1_000; step++) {
      advance(client, toClient, toServer, application);
      advance(server, toServer, toClient, application);
      if (client.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING
          && server.getHandshakeStatus() == HandshakeStatus.NOT_HANDSHAKING) {
        return;
      }
    }
    throw new AssertionError("the handshake did not finish");
  }

  private static void advance(SSLEngine engine, ByteBuffer in, ByteBuffer out, ByteBuffer application)
      throws SSLException {
    HandshakeStatus status = engine.getHandshakeStatus();
    for (int i = 0; i < 10 && status != HandshakeStatus.NOT_HANDSHAKING && status != HandshakeStatus.FINISHED; i++) {
      switch (status) {
        case NEED_TASK -> {
          Runnable task;
          while ((task = engine.getDelegatedTask()) != null) {
            task.run();
          }
        }
        case NEED_WRAP -> engine.wrap(ByteBuffer.allocate(0), out);
        case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
          in.flip();
          boolean progressed = engine.unwrap(in, application).bytesConsumed() > 0;
          in.compact();
          if (!progressed && engine.getHandshakeStatus() == status) {
            return;
          }
        }
        default -> {
          return;
        }
      }
      status = engine.getHandshakeStatus();
    }
  }
}
