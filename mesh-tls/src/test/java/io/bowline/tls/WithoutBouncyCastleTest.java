package io.bowline.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * mesh-tls as an application without Bouncy Castle sees it (the {@code without-bouncycastle} surefire execution
 * removes the three jars): PEM keys and certificates from openssl and the file-watcher provider work, and a CSR
 * says which artifacts to add instead of failing with {@code NoClassDefFoundError}.
 */
@Tag("without-bouncycastle")
class WithoutBouncyCastleTest {

  @TempDir
  Path dir;

  @Test
  void bouncyCastleIsReallyAbsent() {
    assertThat(BouncyCastle.available()).isFalse();
    assertThatThrownBy(() -> Class.forName("org.bouncycastle.asn1.ASN1Object")).isInstanceOf(ClassNotFoundException.class);
  }

  @Test
  void everyKeyFormOpensslWritesIsReadWithTheJdkAlone() throws Exception {
    OpensslKeys.assumeOpenssl();
    for (OpensslKeys.Generated generated : OpensslKeys.all(dir)) {
      assertThat(OpensslKeys.matches(Pem.privateKey(generated.pem(), generated.form()), generated.publicKey()))
          .as(generated.form()).isTrue();
    }
  }

  @Test
  void theFileWatcherLoadsAnOpensslIssuedSvid() throws Exception {
    OpensslKeys.assumeOpenssl();
    Path files = OpensslKeys.svid(dir, "spiffe://cluster.local/ns/default/sa/reviews");
    try (FileWatcherCertificateProvider provider = FileWatcherCertificateProvider.start(
        new FileWatcherCertificateProvider.Config(files.resolve("cert-chain.pem"), files.resolve("key.pem"),
            files.resolve("root-cert.pem"), Duration.ofMinutes(10)))) {
      assertThat(provider.current()).isNotNull();
      assertThat(provider.current().leaf().getSubjectAlternativeNames().toString())
          .contains("spiffe://cluster.local/ns/default/sa/reviews");
    }
  }

  @Test
  void aCsrNamesTheArtifactsToAdd() {
    assertThatThrownBy(() -> CsrCertificateProvider.start(SpiffeId.parse("spiffe://cluster.local/ns/default/sa/a"),
        (csr, ttl) -> List.of(), Duration.ofHours(1), 0.1))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("spiffe://cluster.local/ns/default/sa/a")
        .hasMessageContaining("org.bouncycastle:bcpkix-jdk18on");
  }

  @Test
  void pemTextIsWrittenWithoutBouncyCastle() throws Exception {
    OpensslKeys.assumeOpenssl();
    OpensslKeys.Generated key = OpensslKeys.all(dir).get(0);
    String written = Pem.encode(Pem.privateKey(key.pem(), key.form()));
    assertThat(written).startsWith("-----BEGIN PRIVATE KEY-----\n");
    assertThat(Files.writeString(dir.resolve("again.pem"), written)).exists();
    assertThat(OpensslKeys.matches(Pem.privateKey(written, "again.pem"), key.publicKey())).isTrue();
  }
}
