package io.bowline.spring.inbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bowline.spring.ssl.MeshSslBundle;
import io.bowline.spring.test.BowlineControlPlaneExtension;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Configuration;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Tomcat serving {@code server.ssl.bundle=bowline} follows the workload certificate's rotation: with the local CA
 * issuing 20-second certificates, a new connection gets the renewed certificate (a new serial, the one the mesh
 * client holds now) without a restart.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"spring.application.name=reviews", "server.address=127.0.0.1", "server.ssl.bundle=bowline"})
@DirtiesContext
class SslBundleRotationTest {
  @RegisterExtension
  static BowlineControlPlaneExtension controlPlane = BowlineControlPlaneExtension.empty().certTtl(Duration.ofSeconds(20));

  @DynamicPropertySource
  static void bowline(DynamicPropertyRegistry registry) {
    controlPlane.register(registry);
  }

  @LocalServerPort int port;
  @Autowired MeshSslBundle bundle;

  @Test
  void aRotatedWorkloadCertificateIsServedToNewConnections() throws Exception {
    String first = servedSerial();
    assertThat(first).isEqualTo(bundle.certificate().serial());
    await().atMost(Duration.ofSeconds(90)).until(() -> !servedSerial().equals(first));
    await().atMost(Duration.ofSeconds(10)).until(() -> servedSerial().equals(bundle.certificate().serial()));
  }

  /** The serial of the certificate the server presents (the handshake then fails: this client has none to give). */
  private String servedSerial() throws Exception {
    AtomicReference<X509Certificate> served = new AtomicReference<>();
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, new TrustManager[] {new Recording(served)}, null);
    try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      socket.startHandshake();
      socket.getInputStream().read();
    } catch (IOException refused) {
      // the server requires a client certificate
    }
    assertThat(served.get()).as("the server's certificate").isNotNull();
    return served.get().getSerialNumber().toString(16);
  }

  /** Records the server's leaf and trusts it: the test is about which certificate is served. */
  private record Recording(AtomicReference<X509Certificate> served) implements X509TrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {
      throw new UnsupportedOperationException("client side only");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {
      served.set(chain[0]);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }

  @Configuration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  static class App {}
}
