package io.bowline.runtime.tls;

import io.bowline.api.config.StringMatcher;
import io.bowline.api.config.UpstreamTls;
import io.bowline.tls.CertificateProvider;
import io.bowline.tls.RotatingKeyManager;
import io.bowline.tls.SpiffeId;
import io.bowline.tls.SpiffePeerPolicy;
import io.bowline.tls.SpiffeTrustManager;
import io.bowline.tls.WorkloadCertificate;
import io.bowline.tls.X509Svid;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * One cluster's compiled {@code UpstreamTlsContext}: the {@link SSLContext} its connections handshake with, whose
 * key manager presents the workload certificate and whose trust manager verifies the server as a SPIFFE peer
 * (chain to the current trust bundle, X.509-SVID rules, trust domain, the context's URI SAN matchers), both
 * following rotation; plus the SNI and ALPN to send. Clusters with equal contexts share one handle, so a
 * transport may key its pooled connections by handle identity. Transports read it from
 * {@code UpstreamTransport.Attempt.tls()} and must not send anything before {@link #ready()} is true (the router
 * holds an attempt until {@link #warmed()}, then answers 503 {@code UF} with {@link #notReadyReason()} instead).
 *
 * <p>The trusted trust domains are those the SAN matchers name ({@code exact} or {@code prefix}
 * {@code spiffe://<td>/...}), the workload certificate's own and the roots' own SPIFFE IDs; with none of them
 * known the handle stays not ready. Thread-safe; {@link #toString()} names sources, never key material.
 */
public final class UpstreamTlsHandle {
  private final UpstreamTls config;
  private final RotatingKeyManager keyManager = new RotatingKeyManager();
  private PrivateKey key; // guarded by this
  private List<X509Certificate> chain; // guarded by this
  private List<X509Certificate> roots; // guarded by this
  private volatile SpiffeTrustManager trustManager;
  private volatile SSLContext sslContext;
  private volatile SSLSocketFactory socketFactory;
  private volatile String notReady;
  private volatile int generation;
  /** The certificate providers feeding this handle, asked for their {@link CertificateProvider#problem()}. */
  private final List<CertificateProvider> sources = new java.util.concurrent.CopyOnWriteArrayList<>();
  /** Told each time the certificate or trust bundle arrives or rotates and the handle is ready. */
  private final List<Runnable> updateListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** What transports derived from this handle ({@link #derived}), copied on write, read without a lock. */
  private volatile Derived[] derived = new Derived[0];

  /** Completes once the handle is ready, or when its warming ends without it (see {@link #warmed()}). */
  private final CompletableFuture<Void> warmed = new CompletableFuture<>();

  UpstreamTlsHandle(UpstreamTls config, Duration warming) {
    this.config = config;
    this.notReady = "no trust bundle yet from " + config.roots();
    if (warming == null) {
      warmed.complete(null);
    } else if (!warming.isZero()) {
      warmed.completeOnTimeout(null, warming.toNanos(), TimeUnit.NANOSECONDS);
    }
  }

  /**
   * Envoy's cluster warming for this context: completes when the handle becomes {@link #ready()}, or when it gives up
   * waiting (the warming time the handles were made with, Envoy's {@code initial_fetch_timeout}, has passed since the
   * handle was made, or a source delivered something unusable; with zero, Envoy's "no timeout", it waits for the
   * certificate as long as it takes). Until then a call routed here waits rather than
   * failing with {@code UF} because its certificate is still on its way. Never completes exceptionally; callers
   * continue on their own executor.
   */
  public CompletableFuture<Void> warmed() {
    return warmed;
  }

  /** The context this handle compiles. */
  public UpstreamTls config() {
    return config;
  }

  /** Whether the certificate and trust bundle are here: a handshake can be attempted. */
  public boolean ready() {
    return notReady == null;
  }

  /**
   * Why the handle is not ready (names the source that has not delivered, and what that source reports, e.g. the
   * CA's refusal), or {@code null} when ready.
   */
  public String notReadyReason() {
    String reason = notReady;
    if (reason == null) {
      return null;
    }
    for (CertificateProvider source : sources) {
      String problem = source.problem();
      if (problem != null) {
        return reason + ": " + problem;
      }
    }
    return reason;
  }

  /**
   * Calls {@code listener} each time the workload certificate or the trust bundle arrives or rotates and the handle
   * is {@link #ready()} after it (for servers that copy the material, e.g. into a Spring {@code SslBundle}), on the
   * thread that delivered it; a listener must not block.
   *
   * @param listener what to call
   * @return removes the listener
   */
  public Runnable onUpdate(Runnable listener) {
    updateListeners.add(listener);
    return () -> updateListeners.remove(listener);
  }

  /** {@code provider} feeds this handle; its problems explain {@link #notReadyReason()}. */
  void source(CertificateProvider provider) {
    if (!sources.contains(provider)) {
      sources.add(provider);
    }
  }

  /**
   * The context for client handshakes (TLS 1.2 and 1.3).
   *
   * @throws IllegalStateException when not {@link #ready()}
   */
  public SSLContext sslContext() {
    SSLContext c = sslContext;
    if (c == null || !ready()) {
      throw new IllegalStateException("TLS for " + config.roots() + " is not ready: " + notReady);
    }
    return c;
  }

  /**
   * A socket factory of {@link #sslContext()} whose client sockets send {@link #sni()} when it is set.
   *
   * @throws IllegalStateException when not {@link #ready()}
   */
  public SSLSocketFactory socketFactory() {
    sslContext();
    return socketFactory;
  }

  /**
   * Counts the workload certificate's rotations. A transport that keeps TLS state of its own per handle (grpc-netty's
   * {@code SslContext} with its session cache) rebuilds it when this changes, so that no session of the previous
   * certificate is resumed.
   */
  public int generation() {
    return generation;
  }

  /** Presents the workload certificate (none when the context has no {@code tls_certificate}). */
  public X509ExtendedKeyManager keyManager() {
    return keyManager;
  }

  /**
   * The workload certificate presented now (key, chain and the trust bundle it came with), or {@code null} before it
   * has arrived or when the context has no {@code tls_certificate}.
   */
  public WorkloadCertificate certificate() {
    return ((RotatingKeyManager) keyManager).current();
  }

  /**
   * Verifies the server as a SPIFFE peer; host names are not checked (the SPIFFE ID is the identity).
   *
   * @throws IllegalStateException when not {@link #ready()}
   */
  public X509ExtendedTrustManager trustManager() {
    sslContext();
    return trustManager;
  }

  /**
   * The TLS server name to send: {@code sni} when it is a host name, else {@code ""} (none; Istio's
   * {@code outbound_.port_.subset_.host} has underscores, which JDK servers refuse).
   */
  public String sni() {
    return SniSocketFactory.isHostName(config.sni()) ? config.sni() : "";
  }

  /** {@code alpn_protocols}, possibly empty. */
  public List<String> alpn() {
    return config.alpn();
  }

  /**
   * What a transport derives from this handle for {@code key}, made once by {@code make} and found again without a
   * lock (e.g. the OkHttp client of one caller's client that handshakes with this handle): a transport keeps per-call
   * work to an identity comparison. {@code key} is held weakly and compared by identity; {@code make} runs under this
   * handle's lock and its value must not refer to {@code key}, or the entry would never be dropped.
   *
   * @param type the value's type, which together with {@code key} names the entry
   * @param key what the value is derived for
   * @param make makes the value on first use
   * @return the value derived for {@code key}
   */
  public <K, V> V derived(Class<V> type, K key, java.util.function.Function<? super K, ? extends V> make) {
    for (Derived d : derived) {
      if (d.key.get() == key && d.type == type) {
        return type.cast(d.value);
      }
    }
    synchronized (this) {
      List<Derived> kept = new java.util.ArrayList<>();
      for (Derived d : derived) {
        Object k = d.key.get();
        if (k == key && d.type == type) {
          return type.cast(d.value);
        }
        if (k != null) {
          kept.add(d);
        }
      }
      V value = make.apply(key);
      kept.add(new Derived(type, new java.lang.ref.WeakReference<>(key), value));
      derived = kept.toArray(new Derived[0]);
      return value;
    }
  }

  private record Derived(Class<?> type, java.lang.ref.WeakReference<Object> key, Object value) {}

  /** Waiting will not make this handle ready: calls routed here fail with {@link #notReadyReason()} at once. */
  void stopWarming() {
    warmed.complete(null);
  }

  /** The workload certificate arrived or rotated. */
  synchronized void identity(PrivateKey key, List<X509Certificate> chain) {
    this.key = key;
    this.chain = List.copyOf(chain);
    refresh();
  }

  /** The trust bundle arrived or rotated. */
  synchronized void roots(List<X509Certificate> roots) {
    this.roots = List.copyOf(roots);
    refresh();
  }

  /** A source cannot deliver (e.g. an SDS secret of the wrong kind); the handle stays as it is otherwise. */
  synchronized void unusable(String reason) {
    notReady = reason;
    stopWarming();
  }

  private void refresh() {
    if (roots == null || roots.isEmpty()) {
      notReady = "no trust bundle yet from " + config.roots();
      return;
    }
    if (config.certificate() != null && chain == null) {
      notReady = "no workload certificate yet from " + config.certificate();
      return;
    }
    if (trustManager == null) {
      Set<String> domains = trustDomains();
      if (domains.isEmpty()) {
        notReady = "cannot tell which trust domain to trust: no SAN matcher names one and neither the workload "
            + "certificate nor the roots carry a SPIFFE ID";
        return;
      }
      SpiffeTrustManager tm = new SpiffeTrustManager(new SpiffePeerPolicy(domains, config.subjectAltNames()));
      tm.updateTrustBundle(roots);
      try {
        sslContext = newContext(tm);
        socketFactory = new SniSocketFactory(() -> sslContext.getSocketFactory(), config.sni());
      } catch (GeneralSecurityException e) {
        notReady = "this JDK has no usable TLS implementation: " + e.getMessage();
        return;
      }
      trustManager = tm;
    } else {
      trustManager.updateTrustBundle(roots);
    }
    if (chain != null) {
      WorkloadCertificate before = keyManager.current();
      keyManager.update(new WorkloadCertificate(key, chain, roots));
      if (before != null && !before.serial().equals(keyManager.current().serial())) {
        // A fresh context has no sessions to resume: a resumed TLS session (1.3 PSK, 1.2 session id or ticket)
        // would show the server the previous certificate again, up to a day after it rotated.
        try {
          sslContext = newContext(trustManager);
          generation++;
        } catch (GeneralSecurityException e) {
          notReady = "this JDK has no usable TLS implementation: " + e.getMessage();
          return;
        }
      }
    }
    notReady = null;
    warmed.complete(null);
    for (Runnable listener : updateListeners) {
      listener.run();
    }
    notifyAll();
  }

  /**
   * Waits until the handle is {@link #ready()}: its certificate and trust bundle have arrived (e.g. the local
   * CA answered the workload's CSR), for callers that must not make their first handshake before, as Envoy warms a
   * cluster until its secrets are there.
   *
   * @param timeout how long to wait at most
   * @return whether it is ready
   * @throws InterruptedException if interrupted while waiting
   */
  public synchronized boolean awaitReady(java.time.Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!ready()) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      wait(Math.max(1, left / 1_000_000));
    }
    return true;
  }

  private SSLContext newContext(SpiffeTrustManager tm) throws GeneralSecurityException {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(new KeyManager[] {keyManager}, new TrustManager[] {tm}, null);
    return context;
  }

  private Set<String> trustDomains() {
    Set<String> domains = new LinkedHashSet<>();
    for (StringMatcher m : config.subjectAltNames()) {
      if ((m.kind() == StringMatcher.Kind.EXACT || m.kind() == StringMatcher.Kind.PREFIX) && !m.ignoreCase()
          && m.value().startsWith(SpiffeId.PREFIX)) {
        String rest = m.value().substring(SpiffeId.PREFIX.length());
        int slash = rest.indexOf('/');
        addIfValid(domains, slash < 0 ? (m.kind() == StringMatcher.Kind.EXACT ? rest : "") : rest.substring(0, slash));
      }
    }
    if (chain != null) {
      try {
        domains.add(X509Svid.leafId(chain.get(0)).trustDomain());
      } catch (CertificateException e) {
        // the workload certificate is not an SVID: it names no trust domain
      }
    }
    for (X509Certificate root : roots) {
      try {
        for (String uri : X509Svid.uriSans(root)) {
          domains.add(SpiffeId.parse(uri).trustDomain());
        }
      } catch (CertificateException | IllegalArgumentException e) {
        // a root without a SPIFFE ID names no trust domain
      }
    }
    return domains;
  }

  private static void addIfValid(Set<String> domains, String domain) {
    try {
      SpiffeId.checkTrustDomain(domain);
      domains.add(domain);
    } catch (IllegalArgumentException e) {
      // not a trust domain: the matcher still applies, it just names none
    }
  }

  @Override
  public String toString() {
    return "UpstreamTlsHandle{certificate=" + config.certificate() + ", roots=" + config.roots() + ", sans="
        + config.subjectAltNames().size() + ", sni=" + config.sni() + ", " + (ready() ? "ready" : notReady) + "}";
  }
}
