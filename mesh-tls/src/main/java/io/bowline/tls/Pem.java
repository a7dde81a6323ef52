package io.bowline.tls;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;

/**
 * PEM reading and writing (Bouncy Castle's {@code PEMParser}): certificates, and private keys as PKCS#8,
 * PKCS#1 RSA or SEC1 EC. Errors name the source and what was expected, never the bytes.
 */
public final class Pem {

  private static final JcaX509CertificateConverter CERTIFICATES = new JcaX509CertificateConverter();

  private Pem() {
  }

  /**
   * Every {@code CERTIFICATE} block of {@code pem}, in order.
   *
   * @param source names the input in errors (a file name, a field)
   * @throws CertificateException if there is none, or one does not parse
   */
  public static List<X509Certificate> certificates(String pem, String source) throws CertificateException {
    List<X509Certificate> certificates = new ArrayList<>();
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      Object object;
      while ((object = parser.readObject()) != null) {
        if (object instanceof X509CertificateHolder holder) {
          certificates.add(CERTIFICATES.getCertificate(holder));
        }
      }
    } catch (IOException | RuntimeException e) {
      throw new CertificateException(source + ": not a PEM certificate list (" + e.getClass().getSimpleName() + ")");
    }
    if (certificates.isEmpty()) {
      throw new CertificateException(source + ": no PEM CERTIFICATE block");
    }
    return certificates;
  }

  /**
   * The one private key of {@code pem}.
   *
   * @param source names the input in errors
   * @throws CertificateException if there is no key or it does not parse
   */
  public static PrivateKey privateKey(String pem, String source) throws CertificateException {
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      Object object;
      while ((object = parser.readObject()) != null) {
        if (object instanceof PrivateKeyInfo info) {
          return jdkKey(info);
        }
        if (object instanceof PEMKeyPair pair) {
          return jdkKey(pair.getPrivateKeyInfo());
        }
      }
    } catch (IOException | RuntimeException | java.security.GeneralSecurityException e) {
      throw new CertificateException(source + ": not a PEM private key (" + e.getClass().getSimpleName() + ")");
    }
    throw new CertificateException(source + ": no PEM PRIVATE KEY block");
  }

  /** The JDK's own key for PKCS#8 key info (EC or RSA), so that SunJSSE and SunEC handle it. */
  private static PrivateKey jdkKey(PrivateKeyInfo info) throws IOException, java.security.GeneralSecurityException {
    String oid = info.getPrivateKeyAlgorithm().getAlgorithm().getId();
    String algorithm = switch (oid) {
      case "1.2.840.10045.2.1" -> "EC";
      case "1.2.840.113549.1.1.1" -> "RSA";
      case "1.2.840.113549.1.1.10" -> "RSASSA-PSS";
      default -> throw new java.security.NoSuchAlgorithmException("unsupported private key algorithm " + oid);
    };
    return java.security.KeyFactory.getInstance(algorithm)
        .generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(info.getEncoded()));
  }

  /** PEM text of {@code objects} (certificates, CSRs; private keys as PKCS#8 {@code PRIVATE KEY}). */
  public static String encode(Object... objects) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      for (Object object : objects) {
        if (object instanceof PrivateKey key) {
          writer.writeObject(new org.bouncycastle.openssl.jcajce.JcaPKCS8Generator(key, null));
        } else {
          writer.writeObject(object);
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("PEM encoding failed", e);
    }
    return out.toString();
  }

  /** PEM text of a certificate list. */
  public static String encode(List<X509Certificate> certificates) {
    return encode(certificates.toArray());
  }
}
