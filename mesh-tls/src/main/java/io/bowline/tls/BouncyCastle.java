package io.bowline.tls;

/**
 * Whether Bouncy Castle is on the classpath. It is an optional dependency of mesh-tls: PEM reading, SPIFFE
 * verification and the file-watcher provider use the JDK alone; building or checking CSRs ({@link Csr},
 * {@link CsrCertificateProvider}) and issuing certificates ({@link CertificateAuthority}) need it. Callers check
 * here before touching those classes, so that a missing jar is one clear message, not a
 * {@code NoClassDefFoundError}.
 */
public final class BouncyCastle {

  /** The artifacts to add, as the message names them. */
  public static final String ARTIFACTS =
      "org.bouncycastle:bcpkix-jdk18on, bcprov-jdk18on and bcutil-jdk18on (optional dependencies of io.bowline:mesh-tls; "
          + "bowline-bom names the version)";

  private static final boolean AVAILABLE = present();

  private BouncyCastle() {
  }

  /** True when bcpkix and bcprov can be loaded. */
  public static boolean available() {
    return AVAILABLE;
  }

  /**
   * Throws unless Bouncy Castle is available.
   *
   * @param what what needs it, for the message (for example "a CSR for the workload certificate")
   * @throws IllegalStateException naming the artifacts to add
   */
  public static void require(String what) {
    if (!AVAILABLE) {
      throw new IllegalStateException(what + " needs Bouncy Castle on the classpath: add " + ARTIFACTS);
    }
  }

  private static boolean present() {
    ClassLoader loader = BouncyCastle.class.getClassLoader();
    try {
      Class.forName("org.bouncycastle.pkcs.PKCS10CertificationRequest", false, loader);
      Class.forName("org.bouncycastle.asn1.x500.X500Name", false, loader);
      Class.forName("org.bouncycastle.jce.provider.BouncyCastleProvider", false, loader);
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }
}
