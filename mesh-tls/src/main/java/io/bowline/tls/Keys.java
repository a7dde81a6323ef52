package io.bowline.tls;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;

/** Key generation: ECDSA P-256 (the JDK's SunEC). Signing certificates and CSRs is {@link CertificateAuthority}'s. */
public final class Keys {

  private Keys() {
  }

  /** A new ECDSA P-256 key pair. */
  public static KeyPair ecP256() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JDK cannot generate EC P-256 keys", e);
    }
  }
}
