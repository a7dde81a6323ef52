package io.bowline.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC bootstrap's {@code file_watcher} certificate provider plugin (gRFC A29), as Istio's grpc-agent
 * configures it: PEM files {@code certificate_file} (chain, leaf first), {@code private_key_file} and
 * {@code ca_certificate_file}, re-read every {@code refresh_interval} (default 600 s).
 *
 * <p>Files are expected to be replaced atomically; a set that does not parse, or whose key does not match the
 * leaf (a half-written or half-replaced pair), is not loaded: the last good set keeps serving and the files are
 * read again at the next interval. Log lines and errors name the files, never their content. Thread-safe.
 */
public final class FileWatcherCertificateProvider extends PublishingCertificateProvider {

  /** The gRPC default {@code refresh_interval}. */
  public static final Duration DEFAULT_REFRESH = Duration.ofSeconds(600);

  private static final System.Logger LOG = System.getLogger(FileWatcherCertificateProvider.class.getName());
  private static final byte[] PROBE = "bowline key match probe".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  private final Config config;
  private final ScheduledExecutorService scheduler;
  private byte[] loadedDigest = new byte[0];
  private volatile String lastError = "";

  /**
   * The plugin's {@code config}.
   *
   * @param certificateFile {@code certificate_file}
   * @param privateKeyFile {@code private_key_file}
   * @param caCertificateFile {@code ca_certificate_file}
   * @param refreshInterval {@code refresh_interval}; positive
   */
  public record Config(Path certificateFile, Path privateKeyFile, Path caCertificateFile, Duration refreshInterval) {

    /** @throws IllegalArgumentException if the interval is not positive */
    public Config {
      Objects.requireNonNull(certificateFile, "certificate_file");
      Objects.requireNonNull(privateKeyFile, "private_key_file");
      Objects.requireNonNull(caCertificateFile, "ca_certificate_file");
      if (refreshInterval.isNegative() || refreshInterval.isZero()) {
        throw new IllegalArgumentException("file_watcher refresh_interval must be positive, got " + refreshInterval);
      }
    }

    /**
     * Reads the bootstrap JSON's {@code config} object of a {@code file_watcher} instance (already parsed into
     * maps and strings); {@code refresh_interval} is a protobuf JSON duration such as {@code "600s"}.
     *
     * @throws IllegalArgumentException naming the missing or malformed field
     */
    public static Config fromJson(Map<String, ?> config) {
      Object refresh = config.get("refresh_interval");
      return new Config(path(config, "certificate_file"), path(config, "private_key_file"),
          path(config, "ca_certificate_file"), refresh == null ? DEFAULT_REFRESH : duration(refresh.toString()));
    }

    private static Path path(Map<String, ?> config, String field) {
      Object value = config.get(field);
      if (!(value instanceof String text) || text.isEmpty()) {
        throw new IllegalArgumentException("file_watcher config: " + field + " is missing or not a string");
      }
      return Path.of(text);
    }

    private static Duration duration(String text) {
      if (!text.endsWith("s")) {
        throw new IllegalArgumentException("file_watcher config: refresh_interval \"" + text
            + "\" is not a protobuf JSON duration such as \"600s\"");
      }
      try {
        return Duration.ofNanos(new java.math.BigDecimal(text.substring(0, text.length() - 1))
            .movePointRight(9).longValueExact());
      } catch (ArithmeticException | NumberFormatException e) {
        throw new IllegalArgumentException("file_watcher config: refresh_interval \"" + text + "\" is malformed", e);
      }
    }
  }

  private FileWatcherCertificateProvider(Config config) {
    this.config = config;
    this.scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "bowline-file-watcher " + config.certificateFile().getFileName());
      thread.setDaemon(true);
      return thread;
    });
  }

  /** Reads the files once now (a failure is logged and retried) and then every refresh interval. */
  public static FileWatcherCertificateProvider start(Config config) {
    FileWatcherCertificateProvider provider = new FileWatcherCertificateProvider(config);
    provider.refresh();
    long nanos = config.refreshInterval().toNanos();
    provider.scheduler.scheduleWithFixedDelay(provider::refresh, nanos, nanos, TimeUnit.NANOSECONDS);
    return provider;
  }

  /** Why the last read was not loaded, or {@code ""} if it was (or nothing changed). */
  public String lastError() {
    return lastError;
  }

  private synchronized void refresh() {
    try {
      byte[] chainBytes = Files.readAllBytes(config.certificateFile());
      byte[] keyBytes = Files.readAllBytes(config.privateKeyFile());
      byte[] caBytes = Files.readAllBytes(config.caCertificateFile());
      byte[] digest = digest(chainBytes, keyBytes, caBytes);
      if (Arrays.equals(digest, loadedDigest)) {
        return;
      }
      List<X509Certificate> chain = Pem.certificates(ascii(chainBytes), config.certificateFile().toString());
      PrivateKey key = Pem.privateKey(ascii(keyBytes), config.privateKeyFile().toString());
      List<X509Certificate> roots = Pem.certificates(ascii(caBytes), config.caCertificateFile().toString());
      checkPair(key, chain.get(0).getPublicKey());
      WorkloadCertificate next = new WorkloadCertificate(key, chain, roots);
      loadedDigest = digest;
      lastError = "";
      publish(next);
      LOG.log(System.Logger.Level.DEBUG, "file_watcher loaded {0}", next);
    } catch (IOException | CertificateException | RuntimeException e) {
      String reason = e instanceof java.nio.file.NoSuchFileException missing
          ? missing.getFile() + " does not exist" : String.valueOf(e.getMessage());
      if (!reason.equals(lastError)) {
        LOG.log(System.Logger.Level.WARNING, "file_watcher: not loading {0}, {1}, {2} ({3}); keeping "
            + (current() == null ? "no certificate" : "the last good one") + ", retrying in {4}",
            config.certificateFile(), config.privateKeyFile(), config.caCertificateFile(), reason,
            config.refreshInterval());
      }
      lastError = reason;
    }
  }

  private void checkPair(PrivateKey key, PublicKey leafKey) throws CertificateException {
    String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(PROBE);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(leafKey);
      verifier.update(PROBE);
      if (verifier.verify(signature)) {
        return;
      }
    } catch (GeneralSecurityException e) {
      // a key of another algorithm than the certificate's: reported below as a mismatch
    }
    throw new CertificateException(config.privateKeyFile() + " does not hold the private key of the leaf in "
        + config.certificateFile() + " (a half-replaced pair?)");
  }

  private static String ascii(byte[] bytes) {
    return new String(bytes, java.nio.charset.StandardCharsets.US_ASCII);
  }

  private static byte[] digest(byte[]... parts) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (byte[] part : parts) {
        sha.update(part);
        sha.update((byte) 0);
      }
      return sha.digest();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is missing", e);
    }
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
  }

  @Override
  public String toString() {
    return "FileWatcherCertificateProvider{" + config.certificateFile() + ", " + current() + "}";
  }
}
