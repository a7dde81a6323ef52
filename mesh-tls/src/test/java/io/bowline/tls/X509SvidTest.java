package io.bowline.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The X.509-SVID leaf and signing rules, CSRs, and the CA's persisted keys. */
class X509SvidTest {

  private static final SpiffeId ID = SpiffeId.istio("cluster.local", "ns1", "sa1");

  private final CertificateAuthority ca = CertificateAuthority.create("cluster.local", true);

  @Test
  void issuedLeafIsAnSvidSignedThroughTheIntermediate() throws Exception {
    WorkloadCertificate certificate = ca.issue(ID, Duration.ofHours(24));
    assertThat(X509Svid.leafId(certificate.leaf())).isEqualTo(ID);
    assertThat(certificate.chain()).hasSize(3);
    X509Svid.checkSigning(certificate.chain().get(1));
    X509Svid.checkSigning(certificate.chain().get(2));
    assertThat(certificate.leaf().getExtendedKeyUsage()).contains("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
    assertThat(certificate.leaf().getCriticalExtensionOIDs()).contains(Extension.subjectAlternativeName.getId());
    assertThatThrownBy(() -> X509Svid.leafId(certificate.chain().get(1))).hasMessageContaining("has no path");
  }

  @Test
  void leafWithTwoUriSansIsRefused() throws Exception {
    X509Certificate twoSans = leaf(new GeneralNames(new GeneralName[] {
        new GeneralName(GeneralName.uniformResourceIdentifier, ID.uri()),
        new GeneralName(GeneralName.uniformResourceIdentifier, "spiffe://cluster.local/ns/x/sa/y")}),
        new BasicConstraints(false), new KeyUsage(KeyUsage.digitalSignature));
    assertThatThrownBy(() -> X509Svid.leafId(twoSans))
        .isInstanceOf(CertificateException.class)
        .hasMessageContaining("it has 2 URI SANs, exactly one is required");
  }

  @Test
  void leafThatIsACaOrCanSignCertificatesIsRefused() throws Exception {
    GeneralNames san = new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, ID.uri()));
    assertThatThrownBy(() -> X509Svid.leafId(leaf(san, new BasicConstraints(true),
        new KeyUsage(KeyUsage.digitalSignature)))).hasMessageContaining("cA=true");
    assertThatThrownBy(() -> X509Svid.leafId(leaf(san, new BasicConstraints(false),
        new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyCertSign)))).hasMessageContaining("keyCertSign");
    assertThatThrownBy(() -> X509Svid.leafId(leaf(san, new BasicConstraints(false),
        new KeyUsage(KeyUsage.keyEncipherment)))).hasMessageContaining("lacks digitalSignature");
  }

  @Test
  void csrRoundTripCarriesTheSpiffeIdAndProvesTheKey() throws Exception {
    KeyPair keys = Keys.ecP256();
    Csr csr = Csr.create(keys, ID);
    Csr parsed = Csr.parse(csr.pem());
    assertThat(parsed.id()).isEqualTo(ID);
    assertThat(parsed.publicKey()).isEqualTo(keys.getPublic());
    List<X509Certificate> chain = ca.sign(parsed, Duration.ofHours(1));
    assertThat(chain.get(0).getPublicKey()).isEqualTo(keys.getPublic());
    assertThatThrownBy(() -> Csr.parse("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"))
        .isInstanceOf(CertificateException.class).hasMessageContaining("the CSR does not parse");
  }

  @Test
  void caRefusesAnotherTrustDomain() {
    assertThatThrownBy(() -> ca.issue(SpiffeId.istio("example.org", "a", "b"), Duration.ofHours(1)))
        .hasMessageContaining("is not in trust domain cluster.local");
  }

  @Test
  void persistedCaIsOwnerOnlyAndReloaded(@TempDir java.nio.file.Path home) throws Exception {
    java.nio.file.Path dir = home.resolve("ca");
    CertificateAuthority created = CertificateAuthority.loadOrCreate(dir, "cluster.local", true);
    assertThat(java.nio.file.Files.getPosixFilePermissions(dir))
        .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    assertThat(java.nio.file.Files.getPosixFilePermissions(dir.resolve("ca-key.pem")))
        .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    CertificateAuthority reloaded = CertificateAuthority.loadOrCreate(dir, "cluster.local", true);
    assertThat(reloaded.root()).isEqualTo(created.root());
    assertThatThrownBy(() -> CertificateAuthority.loadOrCreate(dir, "example.org", true))
        .hasMessageContaining("not trust domain example.org");
  }

  private X509Certificate leaf(GeneralNames san, BasicConstraints constraints, KeyUsage usage) throws Exception {
    KeyPair keys = Keys.ecP256();
    KeyPair signer = Keys.ecP256();
    Instant now = Instant.now();
    return new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(
        new X500Principal("CN=test"), BigInteger.TEN, Date.from(now), Date.from(now.plusSeconds(3600)),
        new X500Principal(""), keys.getPublic())
        .addExtension(Extension.basicConstraints, true, constraints)
        .addExtension(Extension.keyUsage, true, usage)
        .addExtension(Extension.subjectAlternativeName, true, san)
        .build(CertificateAuthority.signer(signer.getPrivate())));
  }
}
