package io.bowline.tls;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * A key manager that presents the latest {@link WorkloadCertificate}: each new handshake picks the certificate
 * current at that moment; connections already established keep theirs. The alias names the certificate's
 * serial, so a handshake that chose an alias just before a rotation still gets a matching key and chain.
 *
 * <p>grpc-util's {@code AdvancedTlsX509KeyManager} would do the swap but not the serial-stable alias, and would
 * bring grpc into every TLS user, so this is ours. Thread-safe.
 */
public final class RotatingKeyManager extends X509ExtendedKeyManager {

  private static final String PREFIX = "bowline-";

  private volatile WorkloadCertificate current;
  private volatile WorkloadCertificate previous;

  /** Starts presenting {@code certificate} to new handshakes. */
  public void update(WorkloadCertificate certificate) {
    if (current != null && current.serial().equals(certificate.serial())) {
      return;
    }
    previous = current;
    current = certificate;
  }

  /** The certificate new handshakes get, or {@code null} before the first. */
  public WorkloadCertificate current() {
    return current;
  }

  private String alias(String... keyTypes) {
    WorkloadCertificate now = current;
    if (now == null) {
      return null;
    }
    String algorithm = now.privateKey().getAlgorithm();
    if (keyTypes == null || Arrays.stream(keyTypes).anyMatch(type -> type != null && keyTypeMatches(type, algorithm))) {
      return PREFIX + now.serial();
    }
    return null;
  }

  private static boolean keyTypeMatches(String keyType, String algorithm) {
    int underscore = keyType.indexOf('_');
    String type = underscore < 0 ? keyType : keyType.substring(0, underscore);
    return type.equals(algorithm) || (type.equals("EC") && algorithm.equals("ECDSA"));
  }

  private WorkloadCertificate byAlias(String alias) {
    for (WorkloadCertificate candidate : new WorkloadCertificate[] {current, previous}) {
      if (candidate != null && (PREFIX + candidate.serial()).equals(alias)) {
        return candidate;
      }
    }
    return null;
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    String alias = alias(keyType);
    return alias == null ? null : new String[] {alias};
  }

  @Override
  public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
    return alias(keyTypes);
  }

  @Override
  public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
    return alias(keyTypes);
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    return getClientAliases(keyType, issuers);
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return alias(keyType);
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return alias(keyType);
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    WorkloadCertificate certificate = byAlias(alias);
    return certificate == null ? null : certificate.chain().toArray(new X509Certificate[0]);
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    WorkloadCertificate certificate = byAlias(alias);
    return certificate == null ? null : certificate.privateKey();
  }

  @Override
  public String toString() {
    WorkloadCertificate now = current;
    return "RotatingKeyManager{" + (now == null ? "no certificate yet" : now.toString()) + "}";
  }
}
