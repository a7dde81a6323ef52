package io.bowline.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringReader;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Pem} reads every key form openssl writes as Bouncy Castle's {@code PEMParser} does (the same PKCS#8
 * bytes), and round-trips what it writes.
 */
class PemKeyFormatsTest {

  @TempDir
  static Path dir;
  static List<OpensslKeys.Generated> keys;

  @BeforeAll
  static void generate() throws Exception {
    OpensslKeys.assumeOpenssl();
    keys = OpensslKeys.all(dir);
  }

  @Test
  void everyFormReadsAsTheKeyOpensslMadeAndAsBouncyCastleReadsIt() throws Exception {
    for (OpensslKeys.Generated generated : keys) {
      PrivateKey key = Pem.privateKey(generated.pem(), generated.form());
      assertThat(OpensslKeys.matches(key, generated.publicKey())).as(generated.form()).isTrue();
      assertThat(key.getEncoded()).as(generated.form()).isEqualTo(bouncyCastlePkcs8(generated.pem()));
    }
  }

  @Test
  void certificatesAndKeysRoundTrip() throws Exception {
    WorkloadCertificate svid = CertificateAuthority.create("cluster.local", true)
        .issue(SpiffeId.parse("spiffe://cluster.local/ns/default/sa/a"), Duration.ofMinutes(5));
    List<X509Certificate> chain = Pem.certificates(Pem.encode(svid.chain()), "chain");
    assertThat(chain).isEqualTo(svid.chain());
    assertThat(Pem.privateKey(Pem.encode(svid.privateKey()), "key").getEncoded())
        .isEqualTo(svid.privateKey().getEncoded());
  }

  @Test
  void errorsNameTheSourceAndNeverTheBytes() {
    assertThatThrownBy(() -> Pem.privateKey("-----BEGIN EC PRIVATE KEY-----\nMAMCAQE=\n-----END EC PRIVATE KEY-----\n",
        "key.pem"))
        .isInstanceOf(CertificateException.class).hasMessageStartingWith("key.pem").hasMessageNotContaining("MAMCAQE");
    assertThatThrownBy(() -> Pem.privateKey("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n",
        "key.pem"))
        .hasMessage("key.pem: encrypted private keys are not supported");
    assertThatThrownBy(() -> Pem.certificates("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "chain.pem"))
        .isInstanceOf(CertificateException.class).hasMessageStartingWith("chain.pem: certificate 1 does not parse");
    assertThatThrownBy(() -> Pem.privateKey("nothing", "key.pem")).hasMessage("key.pem: no PEM PRIVATE KEY block");
  }

  private static byte[] bouncyCastlePkcs8(String pem) throws Exception {
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      Object object;
      while ((object = parser.readObject()) != null) {
        if (object instanceof PrivateKeyInfo info) {
          return info.getEncoded();
        }
        if (object instanceof PEMKeyPair pair) {
          return pair.getPrivateKeyInfo().getEncoded();
        }
      }
    }
    throw new AssertionError("Bouncy Castle found no key");
  }
}
