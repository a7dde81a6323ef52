package io.bowline.tls;

import java.io.IOException;
import java.io.StringReader;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import org.bouncycastle.asn1.pkcs.Attribute;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * A PKCS#10 certificate signing request for one SPIFFE ID (Bouncy Castle), as istio-agent sends it: the SPIFFE
 * ID as the only subject alternative name, in an {@code extensionRequest} attribute, empty subject.
 *
 * @param publicKey the key to certify (the CSR's signature proves possession)
 * @param id the SPIFFE ID asked for
 * @param pem the CSR in PEM
 */
public record Csr(PublicKey publicKey, SpiffeId id, String pem) {

  /** Builds and signs a CSR for {@code id} with {@code keys}. */
  public static Csr create(KeyPair keys, SpiffeId id) {
    try {
      ExtensionsGenerator extensions = new ExtensionsGenerator();
      extensions.addExtension(Extension.subjectAlternativeName, true,
          new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, id.uri())));
      PKCS10CertificationRequest request = new JcaPKCS10CertificationRequestBuilder(new X500Name(""),
          keys.getPublic())
          .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate())
          .build(CertificateAuthority.signer(keys.getPrivate()));
      return new Csr(keys.getPublic(), id, Pem.block("CERTIFICATE REQUEST", request.getEncoded()));
    } catch (IOException e) {
      throw new IllegalStateException("cannot build a CSR for " + id, e);
    }
  }

  /**
   * Parses a PEM CSR, verifies its signature and requires exactly one subject alternative name, a SPIFFE ID.
   *
   * @throws CertificateException saying what is wrong with the CSR
   */
  public static Csr parse(String pem) throws CertificateException {
    PKCS10CertificationRequest request;
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      Object object = parser.readObject();
      if (!(object instanceof PKCS10CertificationRequest parsed)) {
        throw new CertificateException("the CSR is not a PEM CERTIFICATE REQUEST");
      }
      request = parsed;
    } catch (IOException | RuntimeException e) {
      throw new CertificateException("the CSR does not parse (" + e.getClass().getSimpleName() + ")");
    }
    try {
      JcaPKCS10CertificationRequest jca = new JcaPKCS10CertificationRequest(request);
      PublicKey key = jca.getPublicKey();
      if (!request.isSignatureValid(new JcaContentVerifierProviderBuilder().build(key))) {
        throw new CertificateException("the CSR's signature does not verify with its public key");
      }
      GeneralName[] names = subjectAltNames(request);
      if (names.length != 1 || names[0].getTagNo() != GeneralName.uniformResourceIdentifier) {
        throw new CertificateException(
            "the CSR must ask for exactly one subject alternative name, a SPIFFE ID URI; it has " + names.length);
      }
      SpiffeId id;
      try {
        id = SpiffeId.parse(names[0].getName().toString());
      } catch (IllegalArgumentException e) {
        throw new CertificateException("the CSR's URI SAN: " + e.getMessage(), e);
      }
      return new Csr(key, id, pem);
    } catch (OperatorCreationException | PKCSException | java.security.GeneralSecurityException e) {
      if (e instanceof CertificateException c) {
        throw c;
      }
      throw new CertificateException("the CSR's key or signature is unusable (" + e.getClass().getSimpleName() + ")");
    }
  }

  private static GeneralName[] subjectAltNames(PKCS10CertificationRequest request) {
    for (Attribute attribute : request.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)) {
      Extensions extensions = Extensions.getInstance(attribute.getAttrValues().getObjectAt(0));
      GeneralNames names = GeneralNames.fromExtensions(extensions, Extension.subjectAlternativeName);
      if (names != null) {
        return names.getNames();
      }
    }
    return new GeneralName[0];
  }

  @Override
  public String toString() {
    return "Csr{" + id + ", " + publicKey.getAlgorithm() + "}";
  }
}
