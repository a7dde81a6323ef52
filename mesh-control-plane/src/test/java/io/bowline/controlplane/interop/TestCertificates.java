package io.bowline.controlplane.interop;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throwaway mesh CA for tests (Bouncy Castle): issues X.509-SVIDs (one URI SAN, the SPIFFE ID; digital
 * signature; server and client auth) and writes them as the files of a gRPC {@code file_watcher} certificate
 * provider, as Istio's agent lays them out ({@code cert-chain.pem}, {@code key.pem} PKCS#8,
 * {@code root-cert.pem}). RSA 2048, Istio's default key; valid for one day.
 */
final class TestCertificates {

  private static final AtomicLong SERIAL = new AtomicLong(1);
  private final KeyPair caKey;
  private final X509Certificate caCertificate;

  TestCertificates() {
    caKey = rsa();
    caCertificate = sign(new JcaX509v3CertificateBuilder(new X500Name("O=bowline-test,CN=mesh-ca"), serial(),
        Date.from(Instant.now().minus(Duration.ofHours(1))), Date.from(Instant.now().plus(Duration.ofDays(1))),
        new X500Name("O=bowline-test,CN=mesh-ca"), caKey.getPublic()), true);
  }

  /**
   * Issues a workload certificate for {@code spiffeId} and writes the provider files into {@code dir}.
   *
   * @return {@code dir}
   */
  Path issue(String spiffeId, Path dir) {
    KeyPair key = rsa();
    try {
      X509v3CertificateBuilder leaf = new JcaX509v3CertificateBuilder(caCertificate, serial(),
          Date.from(Instant.now().minus(Duration.ofHours(1))), Date.from(Instant.now().plus(Duration.ofDays(1))),
          new X500Name("O=bowline-test"), key.getPublic())
          .addExtension(Extension.subjectAlternativeName, false,
              new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, spiffeId)))
          .addExtension(Extension.extendedKeyUsage, false,
              new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
      X509Certificate certificate = sign(leaf, false);
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("cert-chain.pem"), pem(certificate));
      Files.writeString(dir.resolve("key.pem"), pem(new JcaPKCS8Generator(key.getPrivate(), null).generate()));
      Files.writeString(dir.resolve("root-cert.pem"), pem(caCertificate));
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The bootstrap {@code certificate_providers} entry {@code default} reading the files of {@code dir}. */
  static String certificateProviders(Path dir) {
    return """
        ,"certificate_providers": {"default": {"plugin_name": "file_watcher", "config": {
          "certificate_file": "%s", "private_key_file": "%s", "ca_certificate_file": "%s",
          "refresh_interval": "900s"}}}
        """.formatted(dir.resolve("cert-chain.pem"), dir.resolve("key.pem"), dir.resolve("root-cert.pem"));
  }

  private X509Certificate sign(X509v3CertificateBuilder builder, boolean ca) {
    try {
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca))
          .addExtension(Extension.keyUsage, true, new KeyUsage(ca
              ? KeyUsage.keyCertSign | KeyUsage.cRLSign
              : KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
      return new JcaX509CertificateConverter().getCertificate(
          builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(caKey.getPrivate())));
    } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("cannot sign a test certificate", e);
    }
  }

  private static KeyPair rsa() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static BigInteger serial() {
    return BigInteger.valueOf(SERIAL.getAndIncrement());
  }

  private static String pem(Object object) throws IOException {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      writer.writeObject(object);
    }
    return out.toString();
  }
}
