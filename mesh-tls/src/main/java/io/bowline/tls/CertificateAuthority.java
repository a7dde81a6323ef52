package io.bowline.tls;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;

/**
 * A SPIFFE certificate authority for one trust domain (Bouncy Castle): a self-signed root, optionally an
 * intermediate that does the signing, issuing X.509-SVID leaves ({@code cA=false}; critical key usage
 * {@code digitalSignature}; EKU serverAuth and clientAuth; the SPIFFE ID as the only, critical, URI SAN; an
 * empty subject). Keys are ECDSA P-256.
 *
 * <p>{@link #loadOrCreate} persists the keys and certificates in a directory readable by the owner only
 * ({@code rwx------}, files {@code rw-------}) and reuses them on the next start. Thread-safe.
 */
public final class CertificateAuthority {

  /** The lifetime of a root or intermediate this class creates: 10 years, as Istio's self-signed root. */
  public static final Duration SIGNING_TTL = Duration.ofDays(3650);
  /**
   * How far before now a leaf's {@code notBefore} is set, for clock skew between peers; a tenth of the TTL
   * when that is shorter, so that rotation at half the lifetime stays near half the TTL.
   */
  public static final Duration BACKDATE = Duration.ofMinutes(1);

  private static final Set<PosixFilePermission> OWNER_DIR = PosixFilePermissions.fromString("rwx------");
  private static final Set<PosixFilePermission> OWNER_FILE = PosixFilePermissions.fromString("rw-------");
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final JcaX509CertificateConverter CONVERTER = new JcaX509CertificateConverter();

  private final String trustDomain;
  private final PrivateKey signingKey;
  private final List<X509Certificate> signingChain;
  private final X509Certificate root;
  private final Clock clock;

  private CertificateAuthority(String trustDomain, PrivateKey signingKey, List<X509Certificate> signingChain,
      X509Certificate root, Clock clock) {
    this.trustDomain = trustDomain;
    this.signingKey = signingKey;
    this.signingChain = List.copyOf(signingChain);
    this.root = root;
    this.clock = clock;
  }

  /**
   * A new CA held in memory.
   *
   * @param trustDomain the trust domain, checked as {@link SpiffeId} does
   * @param withIntermediate whether leaves are signed by an intermediate under the root
   */
  public static CertificateAuthority create(String trustDomain, boolean withIntermediate) {
    return create(trustDomain, withIntermediate, Clock.systemUTC());
  }

  /** {@link #create(String, boolean)} with a clock for the certificates' validity. */
  public static CertificateAuthority create(String trustDomain, boolean withIntermediate, Clock clock) {
    SpiffeId.checkTrustDomain(trustDomain);
    KeyPair rootKeys = Keys.ecP256();
    X509Certificate root = signing(trustDomain, "root", rootKeys.getPublic(), rootKeys.getPrivate(), null, clock);
    if (!withIntermediate) {
      return new CertificateAuthority(trustDomain, rootKeys.getPrivate(), List.of(root), root, clock);
    }
    KeyPair intermediateKeys = Keys.ecP256();
    X509Certificate intermediate =
        signing(trustDomain, "intermediate", intermediateKeys.getPublic(), rootKeys.getPrivate(), root, clock);
    return new CertificateAuthority(trustDomain, intermediateKeys.getPrivate(), List.of(intermediate, root), root,
        clock);
  }

  /**
   * Loads the CA persisted in {@code directory} ({@code ca-key.pem}, {@code ca-chain.pem}: signing certificate
   * first, root last), or creates one there with owner-only permissions.
   *
   * @throws IOException if the directory cannot be written or read
   * @throws CertificateException if the persisted files are not a CA for {@code trustDomain}
   */
  public static CertificateAuthority loadOrCreate(Path directory, String trustDomain, boolean withIntermediate)
      throws IOException, CertificateException {
    Path key = directory.resolve("ca-key.pem");
    Path chain = directory.resolve("ca-chain.pem");
    if (Files.exists(key) && Files.exists(chain)) {
      PrivateKey signingKey = Pem.privateKey(Files.readString(key), key.toString());
      List<X509Certificate> certificates = Pem.certificates(Files.readString(chain), chain.toString());
      X509Svid.checkSigning(certificates.get(0));
      List<String> uris = X509Svid.uriSans(certificates.get(0));
      if (!uris.equals(List.of(SpiffeId.ofTrustDomain(trustDomain).uri()))) {
        throw new CertificateException(chain + ": the CA is for " + uris + ", not trust domain " + trustDomain);
      }
      return new CertificateAuthority(trustDomain, signingKey, certificates,
          certificates.get(certificates.size() - 1), Clock.systemUTC());
    }
    CertificateAuthority created = create(trustDomain, withIntermediate);
    ownerOnlyDirectory(directory);
    writeOwnerOnly(chain, Pem.encode(created.signingChain));
    writeOwnerOnly(key, Pem.encode(created.signingKey));
    return created;
  }

  /** Creates {@code directory} (and parents) and restricts it to its owner ({@code rwx------}). */
  public static void ownerOnlyDirectory(Path directory) throws IOException {
    Files.createDirectories(directory);
    if (Files.getFileStore(directory).supportsFileAttributeView("posix")) {
      Files.setPosixFilePermissions(directory, OWNER_DIR);
    }
  }

  /** Writes {@code text} to {@code file} atomically, readable and writable by its owner only. */
  public static void writeOwnerOnly(Path file, String text) throws IOException {
    Path temp = ownerOnlyTemp(file, text);
    Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /**
   * Writes {@code text} to {@code file}, owner-only, unless the file exists; atomic, so that of two writers
   * racing one wins and both then read the winner's content.
   *
   * @return whether this call created the file
   */
  public static boolean createOwnerOnly(Path file, String text) throws IOException {
    Path temp = ownerOnlyTemp(file, text);
    try {
      Files.createLink(file, temp);
      return true;
    } catch (FileAlreadyExistsException e) {
      return false;
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  private static Path ownerOnlyTemp(Path file, String text) throws IOException {
    Path directory = file.toAbsolutePath().getParent();
    boolean posix = Files.getFileStore(directory).supportsFileAttributeView("posix");
    Path temp = posix
        ? Files.createTempFile(directory, file.getFileName().toString(), ".tmp",
            PosixFilePermissions.asFileAttribute(OWNER_FILE))
        : Files.createTempFile(directory, file.getFileName().toString(), ".tmp");
    Files.writeString(temp, text, StandardCharsets.US_ASCII);
    return temp;
  }

  /** The trust domain. */
  public String trustDomain() {
    return trustDomain;
  }

  /** The root certificate: the trust bundle peers need. */
  public X509Certificate root() {
    return root;
  }

  /**
   * Signs a leaf for {@code id}, valid from now (less {@link #BACKDATE}) for {@code ttl}.
   *
   * @return the chain, leaf first, root last
   * @throws IllegalArgumentException if {@code id} is not in this CA's trust domain or has no path
   */
  public List<X509Certificate> sign(PublicKey publicKey, SpiffeId id, Duration ttl) {
    Instant now = clock.instant();
    Duration backdate = ttl.dividedBy(10).compareTo(BACKDATE) < 0 ? ttl.dividedBy(10) : BACKDATE;
    return sign(publicKey, id, now.minus(backdate), now.plus(ttl));
  }

  /** {@link #sign(PublicKey, SpiffeId, Duration)} with an explicit validity period. */
  public List<X509Certificate> sign(PublicKey publicKey, SpiffeId id, Instant notBefore, Instant notAfter) {
    Objects.requireNonNull(publicKey, "publicKey");
    if (!id.trustDomain().equals(trustDomain)) {
      throw new IllegalArgumentException(id + " is not in trust domain " + trustDomain);
    }
    if (id.path().isEmpty()) {
      throw new IllegalArgumentException(id + " has no path; a leaf SVID needs one");
    }
    X509Certificate signer = signingChain.get(0);
    try {
      JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(signer.getSubjectX500Principal(),
          serial(), Date.from(notBefore), Date.from(notAfter),
          new javax.security.auth.x500.X500Principal(""), publicKey)
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
          .addExtension(Extension.keyUsage, true,
              new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment))
          .addExtension(Extension.extendedKeyUsage, false,
              new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
          .addExtension(Extension.subjectAlternativeName, true, uriSan(id))
          .addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(publicKey))
          .addExtension(Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(signer));
      X509Certificate leaf = CONVERTER.getCertificate(builder.build(signer(signingKey)));
      List<X509Certificate> chain = new ArrayList<>();
      chain.add(leaf);
      chain.addAll(signingChain);
      return chain;
    } catch (java.security.GeneralSecurityException | CertIOException e) {
      throw new IllegalStateException("cannot sign a certificate for " + id, e);
    }
  }

  /** Signs a leaf for the identity and key of a verified {@link Csr}. */
  public List<X509Certificate> sign(Csr csr, Duration ttl) {
    return sign(csr.publicKey(), csr.id(), ttl);
  }

  /** A new key and a leaf for {@code id} valid for {@code ttl}, trusting this CA's root. */
  public WorkloadCertificate issue(SpiffeId id, Duration ttl) {
    KeyPair keys = Keys.ecP256();
    return new WorkloadCertificate(keys.getPrivate(), sign(keys.getPublic(), id, ttl), List.of(root));
  }

  private static X509Certificate signing(String trustDomain, String role, PublicKey publicKey, PrivateKey issuerKey,
      X509Certificate issuer, Clock clock) {
    Instant now = clock.instant();
    X500Name subject = new X500Name("O=Bowline,CN=Bowline " + role + " CA " + trustDomain);
    try {
      JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder = (issuer == null
          ? new JcaX509v3CertificateBuilder(subject, serial(), Date.from(now.minus(BACKDATE)),
              Date.from(now.plus(SIGNING_TTL)), subject, publicKey)
          : new JcaX509v3CertificateBuilder(issuer.getSubjectX500Principal(), serial(),
              Date.from(now.minus(BACKDATE)), Date.from(now.plus(SIGNING_TTL)),
              new javax.security.auth.x500.X500Principal(subject.toString()), publicKey))
          .addExtension(Extension.basicConstraints, true,
              issuer == null ? new BasicConstraints(true) : new BasicConstraints(0))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
          .addExtension(Extension.subjectAlternativeName, false, uriSan(SpiffeId.ofTrustDomain(trustDomain)))
          .addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(publicKey));
      if (issuer != null) {
        builder.addExtension(Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(issuer));
      }
      return CONVERTER.getCertificate(builder.build(signer(issuerKey)));
    } catch (java.security.GeneralSecurityException | CertIOException e) {
      throw new IllegalStateException("cannot create the " + role + " CA for " + trustDomain, e);
    }
  }

  private static GeneralNames uriSan(SpiffeId id) {
    return new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, id.uri()));
  }

  private static BigInteger serial() {
    return new BigInteger(127, RANDOM).add(BigInteger.ONE);
  }

  @Override
  public String toString() {
    return "CertificateAuthority{" + trustDomain + ", signer " + X509Svid.describe(signingChain.get(0)) + "}";
  }

  /** A content signer for {@code key}: SHA256withECDSA or SHA256withRSA. */
  static ContentSigner signer(PrivateKey key) {
    String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
    try {
      return new JcaContentSignerBuilder(algorithm).build(key);
    } catch (OperatorCreationException e) {
      throw new IllegalStateException("cannot sign with a " + key.getAlgorithm() + " key", e);
    }
  }
}
