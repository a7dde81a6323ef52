package io.bowline.tls;

import java.security.KeyPair;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A workload certificate obtained by CSR from a CA and rotated as istio-agent rotates it: a new key and CSR at
 * half the certificate's lifetime ({@code start + 50% x (notAfter - start)}, {@code start} being the later of
 * {@code notBefore} and the time of the request, as CAs backdate {@code notBefore}), plus or minus a jitter
 * (1% of the lifetime by default). A failed request is retried with exponential back-off (1 s doubling to
 * 30 s); the current certificate keeps serving meanwhile. The trust bundle is the last certificate of the chain
 * the CA returns. The identity may be looked up at each request ({@link #start(Callable, String, CertificateSigner,
 * Duration, double)}), e.g. when the trust domain is only known once the CA has been found. Thread-safe.
 */
public final class CsrCertificateProvider extends PublishingCertificateProvider {

  /** istio-agent's default rotation point, a fraction of the lifetime. */
  public static final double ROTATE_AT = 0.5;
  /** The default jitter, a fraction of the lifetime. */
  public static final double DEFAULT_JITTER = 0.01;

  private static final System.Logger LOG = System.getLogger(CsrCertificateProvider.class.getName());
  private static final Duration FIRST_RETRY = Duration.ofSeconds(1);
  private static final Duration MAX_RETRY = Duration.ofSeconds(30);

  private final Callable<SpiffeId> identity;
  private final String description;
  private final CertificateSigner signer;
  private final Duration ttl;
  private final double jitter;
  private final Clock clock;
  private final ScheduledExecutorService scheduler;
  private Duration retry = FIRST_RETRY;
  private volatile String problem;

  private CsrCertificateProvider(Callable<SpiffeId> identity, String description, CertificateSigner signer,
      Duration ttl, double jitter, Clock clock) {
    this.identity = Objects.requireNonNull(identity, "identity");
    this.description = Objects.requireNonNull(description, "description");
    this.signer = Objects.requireNonNull(signer, "signer");
    this.ttl = Objects.requireNonNull(ttl, "ttl");
    if (jitter < 0 || jitter >= ROTATE_AT) {
      throw new IllegalArgumentException("jitter must be in [0, 0.5), got " + jitter);
    }
    this.jitter = jitter;
    this.clock = clock;
    this.scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "bowline-csr " + description);
      thread.setDaemon(true);
      return thread;
    });
  }

  /**
   * Requests the first certificate at once, on the provider's thread, and rotates from then on.
   *
   * @param id the identity to ask for
   * @param signer the CA
   * @param ttl the validity to ask for (Istio's {@code validity_duration})
   * @param jitter plus or minus this fraction of the lifetime around the rotation point; in [0, 0.5)
   * @throws IllegalStateException when Bouncy Castle (which builds the CSR) is not on the classpath
   */
  public static CsrCertificateProvider start(SpiffeId id, CertificateSigner signer, Duration ttl, double jitter) {
    Objects.requireNonNull(id, "id");
    return start(() -> id, id.toString(), signer, ttl, jitter);
  }

  /**
   * As {@link #start(SpiffeId, CertificateSigner, Duration, double)}, looking the identity up before every
   * request; a lookup that throws is a failed request (retried with back-off, its message in {@link #problem()}).
   *
   * @param identity the identity to ask for, called on the provider's thread
   * @param description names the identity in thread names, logs and {@link #toString()}; no secrets
   * @throws IllegalStateException when Bouncy Castle (which builds the CSR) is not on the classpath
   */
  public static CsrCertificateProvider start(Callable<SpiffeId> identity, String description, CertificateSigner signer,
      Duration ttl, double jitter) {
    BouncyCastle.require("a CSR for the workload certificate of " + description);
    CsrCertificateProvider provider =
        new CsrCertificateProvider(identity, description, signer, ttl, jitter, Clock.systemUTC());
    provider.scheduler.execute(provider::renew);
    return provider;
  }

  /** Why the last request failed, or {@code null} after a success (the message holds no key material). */
  @Override
  public String problem() {
    return problem;
  }

  /** When a certificate valid from {@code notBefore} to {@code notAfter} is rotated, before jitter. */
  public static Instant rotationPoint(Instant notBefore, Instant notAfter) {
    long lifetime = Duration.between(notBefore, notAfter).toMillis();
    return notBefore.plusMillis((long) (lifetime * ROTATE_AT));
  }

  private void renew() {
    SpiffeId id = null;
    try {
      id = identity.call();
      KeyPair keys = Keys.ecP256();
      Instant requested = clock.instant();
      List<X509Certificate> chain = signer.sign(Csr.create(keys, id), ttl);
      if (chain.isEmpty()) {
        throw new CertificateException("the CA returned an empty certificate chain");
      }
      SpiffeId issued = X509Svid.leafId(chain.get(0));
      if (!issued.equals(id)) {
        throw new CertificateException("the CA issued " + issued + " instead of " + id);
      }
      WorkloadCertificate next = new WorkloadCertificate(keys.getPrivate(), chain, List.of(chain.get(chain.size() - 1)));
      publish(next);
      problem = null;
      retry = FIRST_RETRY;
      // a CA backdates notBefore against clock skew (ours by a minute): the lifetime counts from the request, else a
      // short-lived certificate would be due for rotation the moment it arrived
      Instant from = next.notBefore().isAfter(requested) ? next.notBefore() : requested;
      Instant rotateAt = rotationPoint(from, next.notAfter());
      long lifetime = Duration.between(from, next.notAfter()).toMillis();
      long spread = (long) (lifetime * jitter);
      long jitterMillis = spread == 0 ? 0 : ThreadLocalRandom.current().nextLong(-spread, spread + 1);
      long delay = Math.max(0, Duration.between(clock.instant(), rotateAt).toMillis() + jitterMillis);
      LOG.log(System.Logger.Level.DEBUG, "issued {0}; rotating in {1} ms", next, delay);
      scheduler.schedule(this::renew, delay, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      problem = "certificate request for " + (id == null ? description : id) + " failed: " + e.getMessage();
      LOG.log(System.Logger.Level.WARNING, "{0}; retrying in {1}", problem, retry);
      if (!scheduler.isShutdown()) {
        scheduler.schedule(this::renew, retry.toMillis(), TimeUnit.MILLISECONDS);
      }
      retry = retry.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : retry.multipliedBy(2);
    }
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
  }

  @Override
  public String toString() {
    return "CsrCertificateProvider{" + description + ", " + current() + "}";
  }
}
