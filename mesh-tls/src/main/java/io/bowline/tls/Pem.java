package io.bowline.tls;

import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PEM reading and writing (RFC 7468) with the JDK alone: certificates, and private keys as PKCS#8
 * ({@code PRIVATE KEY}), PKCS#1 ({@code RSA PRIVATE KEY}, what istio-agent writes for RSA) or SEC1
 * ({@code EC PRIVATE KEY}). Bouncy Castle is not needed here, so that an application whose certificates come
 * from files or SDS does not carry it (it is an optional dependency; {@link Csr} and {@link CertificateAuthority}
 * need it). Errors name the source and what was expected, never the bytes.
 */
public final class Pem {

  private static final Pattern BLOCK = Pattern.compile(
      "-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);
  private static final Base64.Decoder DECODER = Base64.getMimeDecoder();
  private static final Base64.Encoder ENCODER = Base64.getMimeEncoder(64, new byte[] {'\n'});

  private Pem() {
  }

  /**
   * Every {@code CERTIFICATE} block of {@code pem}, in order; other blocks are skipped.
   *
   * @param source names the input in errors (a file name, a field)
   * @throws CertificateException if there is none, or one does not parse
   */
  public static List<X509Certificate> certificates(String pem, String source) throws CertificateException {
    List<X509Certificate> certificates = new ArrayList<>();
    CertificateFactory factory = CertificateFactory.getInstance("X.509");
    Matcher block = BLOCK.matcher(pem);
    while (block.find()) {
      if (block.group(1).equals("CERTIFICATE")) {
        try {
          certificates.add((X509Certificate) factory.generateCertificate(
              new ByteArrayInputStream(decode(block, source))));
        } catch (CertificateException | RuntimeException e) {
          throw new CertificateException(source + ": certificate " + (certificates.size() + 1) + " does not parse ("
              + e.getClass().getSimpleName() + ")");
        }
      }
    }
    if (certificates.isEmpty()) {
      throw new CertificateException(source + ": no PEM CERTIFICATE block");
    }
    return certificates;
  }

  /**
   * The first private key of {@code pem}: PKCS#8, PKCS#1 RSA or SEC1 EC (as the JDK's own key type, so that
   * SunJSSE and SunEC handle it). Encrypted keys are refused.
   *
   * @param source names the input in errors
   * @throws CertificateException if there is no key or it does not parse
   */
  public static PrivateKey privateKey(String pem, String source) throws CertificateException {
    Matcher block = BLOCK.matcher(pem);
    while (block.find()) {
      String label = block.group(1);
      try {
        switch (label) {
          case "PRIVATE KEY":
            return pkcs8(decode(block, source), source);
          case "RSA PRIVATE KEY":
            return pkcs8(pkcs8FromPkcs1(decode(block, source)), source);
          case "EC PRIVATE KEY":
            return pkcs8(pkcs8FromSec1(decode(block, source), source), source);
          case "ENCRYPTED PRIVATE KEY":
            throw new CertificateException(source + ": encrypted private keys are not supported");
          default:
            break;
        }
      } catch (GeneralSecurityException | RuntimeException e) {
        if (e instanceof CertificateException c) {
          throw c;
        }
        throw new CertificateException(source + ": not a usable " + label + " (" + e.getClass().getSimpleName() + ")");
      }
    }
    throw new CertificateException(source + ": no PEM PRIVATE KEY block");
  }

  /** PEM text of {@code objects}: certificates, and private keys as PKCS#8 {@code PRIVATE KEY}. */
  public static String encode(Object... objects) {
    StringBuilder out = new StringBuilder();
    for (Object object : objects) {
      if (object instanceof PrivateKey key) {
        out.append(block("PRIVATE KEY", key.getEncoded()));
      } else if (object instanceof X509Certificate certificate) {
        try {
          out.append(block("CERTIFICATE", certificate.getEncoded()));
        } catch (java.security.cert.CertificateEncodingException e) {
          throw new IllegalStateException("PEM encoding failed", e);
        }
      } else {
        throw new IllegalArgumentException("cannot PEM-encode a " + object.getClass().getName());
      }
    }
    return out.toString();
  }

  /** PEM text of a certificate list. */
  public static String encode(List<X509Certificate> certificates) {
    return encode(certificates.toArray());
  }

  /** One PEM block: {@code label} around the Base64 of {@code der} in 64-character lines. */
  public static String block(String label, byte[] der) {
    return "-----BEGIN " + label + "-----\n" + ENCODER.encodeToString(der) + "\n-----END " + label + "-----\n";
  }

  private static byte[] decode(Matcher block, String source) throws CertificateException {
    String body = block.group(2);
    if (body.contains(":")) {
      throw new CertificateException(source + ": PEM " + block.group(1) + " with headers (encrypted) is not supported");
    }
    try {
      return DECODER.decode(body.strip());
    } catch (IllegalArgumentException e) {
      throw new CertificateException(source + ": PEM " + block.group(1) + " is not Base64");
    }
  }

  /** The JDK key for PKCS#8 {@code PrivateKeyInfo}, its algorithm taken from the key's own identifier. */
  private static PrivateKey pkcs8(byte[] der, String source) throws GeneralSecurityException {
    String what = source + " PrivateKeyInfo";
    Der.Element info = Der.expect(Der.read(der, 0, der.length, what), Der.SEQUENCE, what);
    Der.Element version = Der.expect(info.first(what), Der.INTEGER, what);
    Der.Element algorithm = Der.expect(version.next(info, what), Der.SEQUENCE, what);
    byte[] oid = Der.expect(algorithm.first(what), Der.OID, what).contents();
    String name;
    if (Arrays.equals(oid, Der.EC_PUBLIC_KEY)) {
      name = "EC";
    } else if (Arrays.equals(oid, Der.RSA_ENCRYPTION)) {
      name = "RSA";
    } else if (Arrays.equals(oid, Der.RSASSA_PSS)) {
      name = "RSASSA-PSS";
    } else {
      throw new CertificateException(source + ": unsupported private key algorithm");
    }
    return KeyFactory.getInstance(name).generatePrivate(new PKCS8EncodedKeySpec(der));
  }

  /** PKCS#1 {@code RSAPrivateKey} wrapped as PKCS#8 (RFC 5208): version 0, rsaEncryption with NULL parameters. */
  private static byte[] pkcs8FromPkcs1(byte[] pkcs1) {
    return Der.element(Der.SEQUENCE,
        Der.element(Der.INTEGER, new byte[] {0}),
        Der.element(Der.SEQUENCE, Der.element(Der.OID, Der.RSA_ENCRYPTION), Der.element(Der.NULL)),
        Der.element(Der.OCTET_STRING, pkcs1));
  }

  /**
   * SEC1 {@code ECPrivateKey} (RFC 5915) wrapped as PKCS#8: id-ecPublicKey with the named curve the SEC1 key
   * carries in its {@code [0] parameters}, which the PKCS#8 form needs.
   */
  private static byte[] pkcs8FromSec1(byte[] sec1, String source) throws CertificateException {
    String what = source + " ECPrivateKey";
    Der.Element key = Der.expect(Der.read(sec1, 0, sec1.length, what), Der.SEQUENCE, what);
    Der.Element element = Der.expect(key.first(what), Der.INTEGER, what);
    element = Der.expect(element.next(key, what), Der.OCTET_STRING, what);
    byte[] curve = null;
    while (element.hasNext(key)) {
      element = element.next(key, what);
      if (element.tag() == Der.CONTEXT_0) {
        curve = Der.expect(element.first(what), Der.OID, what).contents();
      }
    }
    if (curve == null) {
      throw new CertificateException(source + ": the EC PRIVATE KEY names no curve");
    }
    return Der.element(Der.SEQUENCE,
        Der.element(Der.INTEGER, new byte[] {0}),
        Der.element(Der.SEQUENCE, Der.element(Der.OID, Der.EC_PUBLIC_KEY), Der.element(Der.OID, curve)),
        Der.element(Der.OCTET_STRING, sec1));
  }
}
