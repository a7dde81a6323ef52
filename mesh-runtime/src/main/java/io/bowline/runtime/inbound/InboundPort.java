package io.bowline.runtime.inbound;

import io.bowline.api.config.InboundListener;
import io.bowline.api.config.InboundListener.FilterChain;
import io.bowline.runtime.tls.UpstreamTlsHandle;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * One inbound port of a mesh server, transport-neutral: what its server listener lets on (the
 * {@link #mode() mode}: PeerAuthentication as filter chains), the TLS to speak (an {@link #sslContext() SSLContext}
 * whose key manager presents the workload certificate and whose trust manager verifies clients as SPIFFE peers,
 * both following certificate rotation and config updates at the next handshake), and the RBAC
 * {@link #check check} of each request (AuthorizationPolicy). Every method reads the current configuration;
 * without a server listener for the port everything is refused (mode {@link InboundMode#NONE}): never open.
 *
 * <p>A blocking-socket server calls {@link #accept(Socket)} per accepted socket; a server with its own TLS stack
 * (Netty, the JDK {@code HttpsServer}, grpc-java) uses {@link #mode()}, {@link TlsSniffer}, {@link #sslContext()}
 * with {@link #sslParameters()} or {@link #newSslEngine()}, then {@link PeerIdentity#of(javax.net.ssl.SSLSession)}
 * and {@link #check}. Thread-safe.
 */
public final class InboundPort {
  private final ServerListeners owner;
  private final int port;
  private final X509ExtendedKeyManager keyManager = new CurrentKeyManager();
  private final X509ExtendedTrustManager trustManager = new CurrentTrustManager();
  private volatile SSLContext sslContext;

  InboundPort(ServerListeners owner, int port) {
    this.owner = owner;
    this.port = port;
  }

  /** The port. */
  public int port() {
    return port;
  }

  /** The server listener that applies now, if any. */
  public Optional<InboundListener> listener() {
    return owner.listener(port);
  }

  /** What the server listener lets on now. */
  public InboundMode mode() {
    Optional<InboundListener> l = listener();
    if (l.isEmpty()) {
      return InboundMode.NONE;
    }
    FilterChain tls = select(l.get(), true, "");
    FilterChain plain = select(l.get(), false, "");
    boolean acceptsTls = tls != null && tls.tls() != null;
    boolean acceptsPlain = plain != null && plain.tls() == null;
    if (acceptsTls && acceptsPlain) {
      return InboundMode.PERMISSIVE;
    } else if (acceptsTls) {
      return tls.tls().requireClientCertificate() ? InboundMode.STRICT : InboundMode.TLS;
    }
    return acceptsPlain ? InboundMode.DISABLE : InboundMode.NONE;
  }

  /**
   * The server-side {@code SSLContext} of this port: one instance for the port's lifetime, whose managers read the
   * current TLS filter chain at each handshake. Configure server sockets and engines with {@link #sslParameters()}.
   *
   * @return the context
   */
  public SSLContext sslContext() {
    SSLContext c = sslContext;
    if (c == null) {
      synchronized (this) {
        if (sslContext == null) {
          try {
            SSLContext created = SSLContext.getInstance("TLS");
            created.init(new KeyManager[] {keyManager}, new TrustManager[] {trustManager}, null);
            sslContext = created;
          } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no usable TLS implementation: " + e.getMessage(), e);
          }
        }
        c = sslContext;
      }
    }
    return c;
  }

  /**
   * The server parameters now: client certificates needed ({@code require_client_certificate}) or else wanted
   * (so that a presented certificate still names the peer), TLS 1.2 and 1.3.
   *
   * @return fresh parameters
   */
  public SSLParameters sslParameters() {
    SSLParameters p = sslContext().getDefaultSSLParameters();
    p.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
    FilterChain chain = listener().map(l -> select(l, true, "")).orElse(null);
    if (chain != null && chain.tls() != null && chain.tls().requireClientCertificate()) {
      p.setNeedClientAuth(true);
    } else {
      p.setWantClientAuth(true);
    }
    return p;
  }

  /** A server-mode engine with {@link #sslParameters()}, for servers that run their own TLS loop (Netty). */
  public SSLEngine newSslEngine() {
    SSLEngine engine = sslContext().createSSLEngine();
    engine.setUseClientMode(false);
    engine.setSSLParameters(sslParameters());
    return engine;
  }

  /** Presents the current workload certificate of the port's TLS chain (for grpc-java's {@code TlsServerCredentials}). */
  public X509ExtendedKeyManager keyManager() {
    return keyManager;
  }

  /** Verifies clients as SPIFFE peers against the port's TLS chain now (for grpc-java's {@code TlsServerCredentials}). */
  public X509ExtendedTrustManager trustManager() {
    return trustManager;
  }

  /**
   * Takes an accepted socket onto the mesh: reads its first bytes, refuses what the mode does not let on
   * (plaintext on a STRICT port, TLS on a DISABLE port, anything without a server listener; the socket is closed
   * and nothing is read beyond those bytes or sent), and completes the TLS handshake of a TLS connection.
   *
   * @param socket a socket just accepted
   * @return the connection to serve, with the peer's identity
   * @throws IOException the reason it was refused (the socket is closed), or an I/O or handshake failure
   */
  public InboundConnection accept(Socket socket) throws IOException {
    try {
      InboundMode mode = mode();
      if (mode == InboundMode.NONE) {
        throw new IOException("inbound port " + port + ": no server listener " + owner.listenerName(port)
            + " (yet): connection refused");
      }
      InputStream in = socket.getInputStream();
      byte[] head = new byte[TlsSniffer.BYTES_NEEDED];
      int n = 0;
      TlsSniffer.Result kind = TlsSniffer.Result.NEED_MORE;
      while (kind == TlsSniffer.Result.NEED_MORE) {
        int r = in.read(head, n, head.length - n);
        if (r < 0) {
          throw new IOException("inbound port " + port + ": connection closed before its first bytes");
        }
        n += r;
        kind = TlsSniffer.classify(head, n);
      }
      InputStream replay = new ByteArrayInputStream(head, 0, n);
      if (kind == TlsSniffer.Result.PLAINTEXT) {
        if (mode != InboundMode.PERMISSIVE && mode != InboundMode.DISABLE) {
          throw new SSLHandshakeException("inbound port " + port + ": plaintext connection from "
              + socket.getRemoteSocketAddress() + " refused: the port requires " + (mode == InboundMode.STRICT
              ? "mTLS (PeerAuthentication STRICT)" : "TLS"));
        }
        return new InboundConnection(socket, new SequenceInputStream(replay, in), socket.getOutputStream(), false,
            null, "");
      }
      if (mode == InboundMode.DISABLE) {
        throw new SSLHandshakeException("inbound port " + port + ": TLS connection from "
            + socket.getRemoteSocketAddress() + " refused: the port serves plaintext only (PeerAuthentication DISABLE)");
      }
      SSLSocket tls = (SSLSocket) sslContext().getSocketFactory().createSocket(socket, replay, true);
      tls.setSSLParameters(sslParameters());
      tls.startHandshake();
      String sni = tls.getSession() instanceof javax.net.ssl.ExtendedSSLSession e ? e.getRequestedServerNames()
          .stream().filter(s -> s instanceof javax.net.ssl.SNIHostName).map(s -> ((javax.net.ssl.SNIHostName) s)
              .getAsciiName()).findFirst().orElse("") : "";
      return new InboundConnection(tls, tls.getInputStream(), tls.getOutputStream(), true,
          PeerIdentity.of(tls.getSession()), sni);
    } catch (IOException | RuntimeException e) {
      socket.close();
      throw e;
    }
  }

  /**
   * The RBAC filters of the filter chain the request's connection took: every filter must allow it.
   *
   * @param request the request and its connection
   * @return allowed, or denied naming the filter and policy; denied without a server listener or filter chain
   */
  public RbacDecision check(InboundRequest request) {
    Optional<InboundListener> l = listener();
    if (l.isEmpty()) {
      return RbacDecision.refused("no server listener " + owner.listenerName(port));
    }
    FilterChain chain = select(l.get(), request.tls(), request.serverName());
    if (chain == null) {
      return RbacDecision.refused("no filter chain of " + l.get().name() + " matches the connection");
    }
    if (chain.tls() != null && !request.tls()) {
      return RbacDecision.refused("plaintext request on the TLS filter chain " + chain.name());
    }
    return owner.engine(chain).check(request);
  }

  /**
   * The filter chain of a connection, as Envoy picks it: the most specific {@code destination_port}, then
   * {@code server_names} (exact, then {@code *.suffix}, then none), then {@code transport_protocol}; else the
   * default chain.
   */
  FilterChain select(InboundListener listener, boolean tls, String sni) {
    List<FilterChain> chains = listener.filterChains();
    chains = narrow(chains, c -> c.match().destinationPort() == port, c -> c.match().destinationPort() == 0);
    if (!sni.isEmpty()) {
      List<FilterChain> exact = chains.stream().filter(c -> c.match().serverNames().contains(sni)).toList();
      chains = !exact.isEmpty() ? exact : narrow(chains, c -> c.match().serverNames().stream()
          .anyMatch(n -> n.startsWith("*.") && sni.endsWith(n.substring(1))), c -> c.match().serverNames().isEmpty());
    } else {
      chains = chains.stream().filter(c -> c.match().serverNames().isEmpty()).toList();
    }
    String transport = tls ? "tls" : "raw_buffer";
    chains = narrow(chains, c -> c.match().transportProtocol().equals(transport),
        c -> c.match().transportProtocol().isEmpty());
    return chains.isEmpty() ? listener.defaultFilterChain() : chains.get(0);
  }

  private static List<FilterChain> narrow(List<FilterChain> chains, Predicate<FilterChain> specific,
      Predicate<FilterChain> generic) {
    List<FilterChain> out = new ArrayList<>();
    chains.stream().filter(specific).forEach(out::add);
    if (out.isEmpty()) {
      chains.stream().filter(generic).forEach(out::add);
    }
    return out;
  }

  /** The TLS handle of the current TLS chain, or the reason there is none. */
  private UpstreamTlsHandle handle() throws CertificateException {
    Optional<InboundListener> l = listener();
    if (l.isEmpty()) {
      throw new CertificateException("inbound port " + port + ": no server listener " + owner.listenerName(port));
    }
    FilterChain chain = select(l.get(), true, "");
    if (chain == null || chain.tls() == null) {
      throw new CertificateException("inbound port " + port + ": " + l.get().name() + " has no TLS filter chain");
    }
    UpstreamTlsHandle h;
    try {
      h = owner.handle(chain.tls());
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new CertificateException("inbound port " + port + ": " + l.get().name() + " " + chain.name() + ": "
          + e.getMessage());
    }
    if (!h.ready()) {
      throw new CertificateException("inbound port " + port + ": TLS not ready: " + h.notReadyReason());
    }
    return h;
  }

  @Override
  public String toString() {
    return "InboundPort{" + port + ", " + mode() + "}";
  }

  /** Presents the current chain's workload certificate; none (the handshake fails) when there is none. */
  private final class CurrentKeyManager extends X509ExtendedKeyManager {
    private X509ExtendedKeyManager current() {
      try {
        return handle().keyManager();
      } catch (CertificateException e) {
        return null;
      }
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return null;
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
      return null;
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      X509ExtendedKeyManager km = current();
      return km == null ? null : km.getServerAliases(keyType, issuers);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      X509ExtendedKeyManager km = current();
      return km == null ? null : km.chooseServerAlias(keyType, issuers, socket);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
      X509ExtendedKeyManager km = current();
      return km == null ? null : km.chooseEngineServerAlias(keyType, issuers, engine);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      X509ExtendedKeyManager km = current();
      return km == null ? null : km.getCertificateChain(alias);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      X509ExtendedKeyManager km = current();
      return km == null ? null : km.getPrivateKey(alias);
    }

    @Override
    public String toString() {
      return "InboundPort.keyManager{" + port + "}";
    }
  }

  /** Verifies a client against the current chain's roots, trust domains and SAN matchers. */
  private final class CurrentTrustManager extends X509ExtendedTrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      handle().trustManager().checkClientTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      handle().trustManager().checkClientTrusted(chain, authType, socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      handle().trustManager().checkClientTrusted(chain, authType, engine);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      throw new CertificateException("an inbound port verifies clients only");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      throw new CertificateException("an inbound port verifies clients only");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      throw new CertificateException("an inbound port verifies clients only");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }

    @Override
    public String toString() {
      return "InboundPort.trustManager{" + port + "}";
    }
  }
}
