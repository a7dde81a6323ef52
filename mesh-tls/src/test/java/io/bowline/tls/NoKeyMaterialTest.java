package io.bowline.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** No private key or certificate bytes in any toString, log line or exception message. */
class NoKeyMaterialTest {

  private static final SpiffeId ID = SpiffeId.istio("cluster.local", "default", "reviews");

  @TempDir
  Path dir;

  @Test
  void toStringsLogsAndErrorsCarryNoPemOrKeyBytes() throws Exception {
    CertificateAuthority ca = CertificateAuthority.create("cluster.local", true);
    WorkloadCertificate certificate = ca.issue(ID, Duration.ofHours(1));
    StringBuilder captured = new StringBuilder();
    ByteArrayOutputStream logs = new ByteArrayOutputStream();
    Handler handler = new Handler() {
      private final SimpleFormatter formatter = new SimpleFormatter();

      @Override
      public void publish(LogRecord record) {
        logs.writeBytes(formatter.format(record).getBytes(StandardCharsets.UTF_8));
      }

      @Override
      public void flush() {
      }

      @Override
      public void close() {
      }
    };
    handler.setLevel(Level.ALL);
    Logger root = Logger.getLogger("");
    Level before = root.getLevel();
    root.addHandler(handler);
    root.setLevel(Level.ALL);
    Logger.getLogger("io.bowline.tls").setLevel(Level.ALL);
    try {
      Path chain = dir.resolve("cert-chain.pem");
      Path key = dir.resolve("key.pem");
      Path roots = dir.resolve("root-cert.pem");
      Files.writeString(chain, Pem.encode(certificate.chain()));
      Files.writeString(roots, Pem.encode(certificate.trustBundle()));
      String keyPem = Pem.encode(certificate.privateKey());
      Files.writeString(key, keyPem.substring(0, keyPem.length() - 40));
      List<Object> objects = new ArrayList<>();
      try (FileWatcherCertificateProvider provider = FileWatcherCertificateProvider.start(
          new FileWatcherCertificateProvider.Config(chain, key, roots, Duration.ofMillis(50)))) {
        captured.append(provider.lastError()).append('\n');
        Files.writeString(key, Pem.encode(ca.issue(ID, Duration.ofHours(1)).privateKey()));
        await().atMost(Duration.ofSeconds(5)).until(() -> provider.lastError().contains("does not hold"));
        captured.append(provider.lastError()).append('\n');
        Files.writeString(key, keyPem);
        await().atMost(Duration.ofSeconds(5)).until(() -> provider.current() != null);
        objects.add(provider);
      }
      try (CsrCertificateProvider csr = CsrCertificateProvider.start(ID, CertificateSigner.of(ca),
          Duration.ofHours(1), 0.01)) {
        await().atMost(Duration.ofSeconds(5)).until(() -> csr.current() != null);
        objects.add(csr);
        SpiffeTls tls = SpiffeTls.create(csr, SpiffePeerPolicy.anyIn("cluster.local"));
        objects.add(tls.keyManager());
        objects.add(tls.trustManager());
      }
      objects.add(certificate);
      objects.add(ca);
      objects.add(Csr.create(Keys.ecP256(), ID));
      objects.add(new LocalCa.Endpoint("127.0.0.1:1", "secret-token-value"));
      objects.add(new io.bowline.tls.istio.IstioCertificateRequest(Csr.create(Keys.ecP256(), ID).pem(), 60));
      objects.add(new io.bowline.tls.istio.IstioCertificateResponse(List.of(Pem.encode(certificate.chain()))));
      for (Object object : objects) {
        captured.append(object).append('\n');
      }
      try {
        Pem.privateKey("-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n", "inline");
      } catch (java.security.cert.CertificateException e) {
        PrintStream stack = new PrintStream(logs, true, StandardCharsets.UTF_8);
        e.printStackTrace(stack);
      }
    } finally {
      root.removeHandler(handler);
      root.setLevel(before);
    }
    String all = captured + logs.toString(StandardCharsets.UTF_8);
    assertThat(all).contains("spiffe://cluster.local/ns/default/sa/reviews");
    assertThat(all).doesNotContain("-----BEGIN", "PRIVATE KEY-----", "secret-token-value", "MIIB");
    String keyBase64 = Base64.getEncoder().encodeToString(certificate.privateKey().getEncoded());
    String certBase64 = Base64.getEncoder().encodeToString(certificate.leaf().getEncoded());
    for (int i = 0; i + 16 <= keyBase64.length(); i += 16) {
      assertThat(all).doesNotContain(keyBase64.substring(i, i + 16));
    }
    assertThat(all).doesNotContain(certBase64.substring(40, 80));
  }
}
