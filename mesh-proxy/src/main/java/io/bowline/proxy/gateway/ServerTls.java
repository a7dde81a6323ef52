package io.bowline.proxy.gateway;

import io.bowline.api.config.Secret;
import io.bowline.api.config.SocketListener;
import io.bowline.api.config.StringMatcher;
import io.bowline.api.config.UpstreamTls;
import io.bowline.runtime.snapshot.MeshSnapshot;
import io.bowline.runtime.tls.UpstreamTlsHandle;
import io.bowline.tls.Pem;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;

/**
 * The server side of a gateway filter chain's {@code DownstreamTlsContext}: a Netty {@link SslContext} with the
 * certificate and key of the SDS secret {@code certificateSecret} (istiod: {@code kubernetes://<credentialName>}),
 * and for MUTUAL the client certificates verified against the CA of {@code validationSecret}
 * ({@code kubernetes://<credentialName>-cacert}) and its {@code match_subject_alt_names}. Contexts are kept per
 * TLS context and rebuilt when a secret changes (rotation applies to new connections). For ISTIO_MUTUAL the
 * certificate, key and roots come from the mesh client's certificate provider instances instead, and client
 * certificates must be SPIFFE peers of the trust domain. Both offer the context's {@code alpn_protocols} ({@code h2} only with HTTP/2 on). No key
 * material is logged or put in messages.
 */
final class ServerTls {
  private record Built(Secret certificate, Secret ca, SslContext context) {}

  private record ProviderBuilt(UpstreamTlsHandle handle, SslContext context) {}

  private final Map<SocketListener.DownstreamTls, Built> contexts = new ConcurrentHashMap<>();
  private final Map<SocketListener.DownstreamTls, ProviderBuilt> providerContexts = new ConcurrentHashMap<>();
  private volatile Function<UpstreamTls, UpstreamTlsHandle> providers;
  private final boolean http2;

  /** @param http2 whether {@code h2} may be offered by ALPN (else only the context's other protocols) */
  ServerTls(boolean http2) {
    this.http2 = http2;
  }

  /** Why a chain's TLS context cannot be served yet. */
  static final class Unavailable extends Exception {
    private static final long serialVersionUID = 1L;

    Unavailable(String message, Throwable cause) {
      super(message, cause, false, false);
    }
  }

  /**
   * The context for {@code tls} with the snapshot's secrets.
   *
   * @throws Unavailable when a secret has not arrived or cannot be read (the message names the secret)
   */
  SslContext context(SocketListener.DownstreamTls tls, MeshSnapshot snapshot) throws Unavailable {
    if (tls.providers() != null) {
      return providerContext(tls);
    }
    Secret certificate = snapshot.secret(tls.certificateSecret());
    Secret ca = tls.validationSecret() == null ? null : snapshot.secret(tls.validationSecret());
    if (certificate == null || certificate.tlsCertificate() == null) {
      throw new Unavailable("SDS secret " + tls.certificateSecret() + " (tls_certificate) has not arrived", null);
    }
    if (tls.validationSecret() != null && (ca == null || ca.validationContext() == null)) {
      throw new Unavailable("SDS secret " + tls.validationSecret() + " (validation_context) has not arrived", null);
    }
    Built built = contexts.get(tls);
    if (built != null && built.certificate().equals(certificate) && java.util.Objects.equals(built.ca(), ca)) {
      return built.context();
    }
    SslContext context = build(tls, certificate, ca);
    contexts.put(tls, new Built(certificate, ca, context));
    return context;
  }

  /** Sets where provider-instance contexts get their key and trust managers (the mesh client's providers). */
  void providers(Function<UpstreamTls, UpstreamTlsHandle> providers) {
    this.providers = providers;
  }

  /**
   * ISTIO_MUTUAL: the provider instances' workload certificate and trust bundle through a shared handle whose
   * key and trust managers follow rotation; client certificates are verified as SPIFFE peers against its SAN
   * matchers.
   */
  private SslContext providerContext(SocketListener.DownstreamTls tls) throws Unavailable {
    Function<UpstreamTls, UpstreamTlsHandle> p = providers;
    if (p == null) {
      throw new Unavailable("no certificate providers are configured for " + tls.providers().certificate(), null);
    }
    UpstreamTlsHandle handle;
    try {
      handle = p.apply(tls.providers());
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new Unavailable("certificate provider " + tls.providers().certificate() + ": " + e.getMessage(), null);
    }
    if (!handle.ready()) {
      throw new Unavailable("certificate provider TLS is not ready: " + handle.notReadyReason(), null);
    }
    ProviderBuilt built = providerContexts.get(tls);
    if (built != null && built.handle() == handle) {
      return built.context();
    }
    try {
      SslContext context = alpn(SslContextBuilder.forServer(handle.keyManager()), tls)
          .trustManager(handle.trustManager())
          .clientAuth(tls.requireClientCertificate() ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL).build();
      providerContexts.put(tls, new ProviderBuilt(handle, context));
      return context;
    } catch (SSLException | RuntimeException e) {
      throw new Unavailable("certificate provider " + tls.providers().certificate() + " cannot be used: "
          + e.getClass().getSimpleName(), null);
    }
  }

  private SslContext build(SocketListener.DownstreamTls tls, Secret certificate, Secret ca) throws Unavailable {
    try {
      List<X509Certificate> chain = Pem.certificates(certificate.tlsCertificate().certificateChain(), certificate.name());
      PrivateKey key = Pem.privateKey(certificate.tlsCertificate().privateKey(), certificate.name());
      SslContextBuilder b = alpn(SslContextBuilder.forServer(key, chain.toArray(X509Certificate[]::new)), tls);
      if (ca != null) {
        List<X509Certificate> roots = Pem.certificates(ca.validationContext().trustedCa(), ca.name());
        b.trustManager(roots.toArray(X509Certificate[]::new))
            .clientAuth(tls.requireClientCertificate() ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL);
      }
      return b.build();
    } catch (GeneralSecurityException | SSLException | RuntimeException e) {
      throw new Unavailable("SDS secret " + certificate.name() + (ca == null ? "" : " / " + ca.name())
          + " cannot be used: " + e.getClass().getSimpleName(), null);
    }
  }

  /**
   * The context's {@code alpn_protocols}, in the server's order of preference (Envoy selects the first of its own
   * list the client offers); a client offering none of them, or no ALPN, gets no protocol and speaks HTTP/1.1.
   */
  private SslContextBuilder alpn(SslContextBuilder b, SocketListener.DownstreamTls tls) {
    List<String> protocols = tls.alpn().stream().filter(p -> http2 || !p.equals("h2")).toList();
    if (protocols.isEmpty()) {
      return b;
    }
    return b.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, protocols));
  }

  /**
   * Envoy's {@code match_subject_alt_names}: whether any DNS, URI, email or IP SAN of the client certificate
   * matches any matcher (no matchers: any certificate the CA verified).
   */
  static boolean subjectAltNamesMatch(X509Certificate peer, List<StringMatcher> matchers) {
    if (matchers.isEmpty()) {
      return true;
    }
    Collection<List<?>> sans;
    try {
      sans = peer.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      return false;
    }
    if (sans == null) {
      return false;
    }
    for (List<?> san : sans) {
      if (san.size() < 2 || !(san.get(1) instanceof String value)) {
        continue;
      }
      for (StringMatcher m : matchers) {
        if (matches(m, value)) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean matches(StringMatcher m, String value) {
    String v = m.ignoreCase() ? value.toLowerCase(java.util.Locale.ROOT) : value;
    String want = m.ignoreCase() ? m.value().toLowerCase(java.util.Locale.ROOT) : m.value();
    return switch (m.kind()) {
      case EXACT -> v.equals(want);
      case PREFIX -> v.startsWith(want);
      case SUFFIX -> v.endsWith(want);
      case CONTAINS -> v.contains(want);
      case REGEX -> Pattern.compile(m.value()).matcher(value).matches();
    };
  }
}
