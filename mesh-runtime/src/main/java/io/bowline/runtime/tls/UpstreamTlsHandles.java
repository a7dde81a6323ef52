package io.bowline.runtime.tls;

import io.bowline.api.config.ClusterOptions;
import io.bowline.api.config.Secret;
import io.bowline.api.config.UpstreamTls;
import io.bowline.tls.CertificateProvider;
import io.bowline.tls.Pem;
import io.bowline.tls.WorkloadCertificate;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * One mesh client's TLS handles, one per distinct {@link UpstreamTls} (clusters with equal contexts share it,
 * and an unchanged context keeps its handle, its {@code SSLContext} and so its pooled connections across
 * config updates), fed by the certificate sources they name: the bootstrap's certificate provider instances
 * (started on first use, closed with {@link #close()}) and SDS secrets ({@link #secrets}). Thread-safe.
 */
public final class UpstreamTlsHandles implements AutoCloseable {
  private final Function<String, CertificateProvider> instances;
  private final Map<String, CertificateProvider> started = new ConcurrentHashMap<>();
  private final Map<UpstreamTls, UpstreamTlsHandle> handles = new ConcurrentHashMap<>();
  private volatile Map<String, Secret> secrets = Map.of();
  private volatile boolean closed;
  private final Duration warming; // null: no warming

  /**
   * @param instances starts the provider of a certificate provider instance name (called once per name); the
   *     names come from contexts the xDS client accepted, so every one is defined
   */
  public UpstreamTlsHandles(Function<String, CertificateProvider> instances) {
    this(instances, null);
  }

  /**
   * @param instances starts the provider of a certificate provider instance name (called once per name); the
   *     names come from contexts the xDS client accepted, so every one is defined
   * @param warming how long a new handle warms at most, waiting for its certificate and trust bundle before calls
   *     routed to it fail with {@code UF} (Envoy's cluster warming, bounded by the SDS subscription's
   *     {@code initial_fetch_timeout}; zero waits as long as it takes, as there); {@code null} for no warming: a
   *     call to a handle that is not ready fails at once
   */
  public UpstreamTlsHandles(Function<String, CertificateProvider> instances, Duration warming) {
    this.instances = instances;
    this.warming = warming;
  }

  /** The handle of {@code tls}, created and wired to its sources on first use. */
  public UpstreamTlsHandle handle(UpstreamTls tls) {
    UpstreamTlsHandle h = handles.get(tls);
    if (h != null) {
      return h;
    }
    UpstreamTlsHandle created = new UpstreamTlsHandle(tls, warming);
    h = handles.putIfAbsent(tls, created);
    if (h != null) {
      return h;
    }
    if (tls.roots().kind() == UpstreamTls.Kind.PROVIDER_INSTANCE) {
      CertificateProvider roots = provider(tls.roots().name());
      wire(created, roots);
      roots.addListener(c -> created.roots(c.trustBundle()));
    }
    if (tls.certificate() != null && tls.certificate().kind() == UpstreamTls.Kind.PROVIDER_INSTANCE) {
      CertificateProvider certificate = provider(tls.certificate().name());
      wire(created, certificate);
      certificate.addListener(c -> created.identity(c.privateKey(), c.chain()));
    }
    feedSecrets(created, secrets);
    return created;
  }

  /**
   * {@code provider} feeds {@code h}. One that already failed and has nothing to deliver (an instance that cannot work
   * here, a CA that refused) ends the handle's warming: calls fail with its reason at once rather than wait for it.
   */
  private static void wire(UpstreamTlsHandle h, CertificateProvider provider) {
    h.source(provider);
    if (provider.current() == null && provider.problem() != null) {
      h.stopWarming();
    }
  }

  /** The compiled sockets of a cluster's {@code transport_socket} and {@code transport_socket_matches}. */
  public TransportSockets sockets(ClusterOptions options) {
    UpstreamTlsHandle fallback = options.tls() == null ? null : handle(options.tls());
    if (options.transportSocketMatches().isEmpty()) {
      return TransportSockets.of(fallback);
    }
    UpstreamTlsHandle[] byMatch = new UpstreamTlsHandle[options.transportSocketMatches().size()];
    for (int i = 0; i < byMatch.length; i++) {
      UpstreamTls tls = options.transportSocketMatches().get(i).tls();
      byMatch[i] = tls == null ? null : handle(tls);
    }
    return new TransportSockets(options.transportSocketMatches(), byMatch, fallback);
  }

  private CertificateProvider provider(String instance) {
    if (closed) {
      throw new IllegalStateException("mesh client is closed");
    }
    return started.computeIfAbsent(instance, instances);
  }

  /** The SDS secrets the xDS client holds now; handles whose secrets changed get them. */
  public void secrets(Map<String, Secret> current) {
    if (current.equals(secrets)) {
      return;
    }
    Map<String, Secret> previous = secrets;
    secrets = current;
    for (UpstreamTlsHandle h : handles.values()) {
      if (changed(h.config().roots(), previous, current) || changed(h.config().certificate(), previous, current)) {
        feedSecrets(h, current);
      }
    }
  }

  private static boolean changed(UpstreamTls.Source s, Map<String, Secret> before, Map<String, Secret> now) {
    return s != null && s.kind() == UpstreamTls.Kind.SDS
        && !java.util.Objects.equals(before.get(s.name()), now.get(s.name()));
  }

  private static void feedSecrets(UpstreamTlsHandle h, Map<String, Secret> secrets) {
    UpstreamTls tls = h.config();
    try {
      if (tls.roots().kind() == UpstreamTls.Kind.SDS && secrets.get(tls.roots().name()) != null) {
        Secret s = secrets.get(tls.roots().name());
        if (s.validationContext() == null) {
          h.unusable("SDS secret '" + s.name() + "' holds no validation_context");
          return;
        }
        if (!s.validationContext().subjectAltNames().isEmpty()) {
          h.unusable("SDS secret '" + s.name() + "': SAN matchers in an SDS validation context are not supported; "
              + "put them in the cluster's validation context");
          return;
        }
        h.roots(Pem.certificates(s.validationContext().trustedCa(), "SDS secret '" + s.name() + "' trusted_ca"));
      }
      UpstreamTls.Source cert = tls.certificate();
      if (cert != null && cert.kind() == UpstreamTls.Kind.SDS && secrets.get(cert.name()) != null) {
        Secret s = secrets.get(cert.name());
        if (s.tlsCertificate() == null) {
          h.unusable("SDS secret '" + s.name() + "' holds no tls_certificate");
          return;
        }
        String what = "SDS secret '" + s.name() + "'";
        h.identity(Pem.privateKey(s.tlsCertificate().privateKey(), what + " private_key"),
            Pem.certificates(s.tlsCertificate().certificateChain(), what + " certificate_chain"));
      }
    } catch (CertificateException e) {
      h.unusable(e.getMessage()); // Pem's messages name the source, never the content
    }
  }

  /**
   * Completes when every handle made so far is {@link UpstreamTlsHandle#warmed() warmed}: ready, or done waiting
   * (Envoy's initial cluster warming).
   */
  public CompletableFuture<Void> warmed() {
    return CompletableFuture.allOf(handles.values().stream().map(UpstreamTlsHandle::warmed)
        .toArray(CompletableFuture[]::new));
  }

  /** The handles made so far (for status and tests). */
  public List<UpstreamTlsHandle> handles() {
    return new ArrayList<>(handles.values());
  }

  /** The current certificate of every started provider instance, by name (for status and tests). */
  public Map<String, WorkloadCertificate> certificates() {
    Map<String, WorkloadCertificate> out = new java.util.TreeMap<>();
    started.forEach((name, p) -> {
      if (p.current() != null) {
        out.put(name, p.current());
      }
    });
    return out;
  }

  @Override
  public void close() {
    closed = true;
    started.values().forEach(CertificateProvider::close);
    started.clear();
  }
}
