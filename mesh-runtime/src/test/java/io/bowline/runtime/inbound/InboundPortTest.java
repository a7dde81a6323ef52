package io.bowline.runtime.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.api.config.InboundListener;
import io.bowline.api.config.InboundListener.DownstreamTls;
import io.bowline.api.config.InboundListener.FilterChain;
import io.bowline.api.config.InboundListener.FilterChainMatch;
import io.bowline.api.config.Rbac;
import io.bowline.api.config.StringMatcher;
import io.bowline.api.config.UpstreamTls;
import io.bowline.runtime.tls.UpstreamTlsHandles;
import io.bowline.tls.CertificateAuthority;
import io.bowline.tls.CertificateProvider;
import io.bowline.tls.RotatingKeyManager;
import io.bowline.tls.SpiffeId;
import io.bowline.tls.SpiffePeerPolicy;
import io.bowline.tls.SpiffeTrustManager;
import io.bowline.tls.WorkloadCertificate;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Istio's PERMISSIVE as filter chains (one for {@code tls} with a DownstreamTlsContext, one for {@code raw_buffer}
 * without), served on one port by looking at the first bytes; RBAC per chain with DENY before ALLOW.
 */
class InboundPortTest {
  private static final int PORT = 8443;
  private static final String PRODUCTPAGE = "spiffe://cluster.local/ns/default/sa/productpage";
  private static final UpstreamTls.Source CERT = UpstreamTls.Source.provider("default", "default");
  private static final UpstreamTls.Source ROOTS = UpstreamTls.Source.provider("default", "ROOTCA");

  private final CertificateAuthority ca = CertificateAuthority.create("cluster.local", false);
  private final WorkloadCertificate server = ca.issue(SpiffeId.istio("cluster.local", "default", "greeter"),
      Duration.ofHours(1));
  private final UpstreamTlsHandles handles = new UpstreamTlsHandles(name -> CertificateProvider.of(server));
  private final ServerListeners listeners = new ServerListeners("xds.istio.io/grpc/lds/inbound/", handles);

  @AfterEach
  void close() {
    handles.close();
  }

  private static Rbac denyProductpageAdmin() {
    return new Rbac("envoy.filters.http.rbac.DENY", Rbac.Action.DENY, Map.of("default-deny-admin-0", new Rbac.Policy(
        List.of(new Rbac.Permission.UrlPath(new StringMatcher(StringMatcher.Kind.PREFIX, "/admin", false))),
        List.of(new Rbac.Principal.Authenticated(new StringMatcher(StringMatcher.Kind.EXACT, PRODUCTPAGE, false))))));
  }

  private static Rbac allowAuthenticated() {
    return new Rbac("envoy.filters.http.rbac", Rbac.Action.ALLOW, Map.of("default-allow-mesh-0", new Rbac.Policy(
        List.of(new Rbac.Permission.Any()), List.of(new Rbac.Principal.Authenticated(null)))));
  }

  private void permissive() {
    DownstreamTls tls = new DownstreamTls(new UpstreamTls(CERT, ROOTS, List.of(), "", List.of()), false);
    listeners.update(Map.of("xds.istio.io/grpc/lds/inbound/0.0.0.0:" + PORT, new InboundListener(
        "xds.istio.io/grpc/lds/inbound/0.0.0.0:" + PORT, "0.0.0.0", PORT, List.of(
            new FilterChain("inbound-tls", new FilterChainMatch(0, "tls", List.of()), tls,
                List.of(denyProductpageAdmin(), allowAuthenticated())),
            new FilterChain("inbound-plaintext", new FilterChainMatch(0, "raw_buffer", List.of()), null,
                List.of(denyProductpageAdmin()))), null)));
  }

  @Test
  void withoutAServerListenerThePortRefusesEverything() {
    InboundPort port = listeners.port(PORT);
    assertThat(port.mode()).isEqualTo(InboundMode.NONE);
    RbacDecision decision = port.check(request(null, false, "/"));
    assertThat(decision.allowed()).isFalse();
    assertThat(decision.reason()).isEqualTo("no server listener xds.istio.io/grpc/lds/inbound/0.0.0.0:8443");
  }

  @Test
  void permissiveServesTlsAndPlaintextOnOnePortByTheFirstBytes() throws Exception {
    permissive();
    InboundPort port = listeners.port(PORT);
    assertThat(port.mode()).isEqualTo(InboundMode.PERMISSIVE);
    try (ServerSocket socket = new ServerSocket(0, 2, InetAddress.getLoopbackAddress())) {
      try (Socket plain = new Socket(InetAddress.getLoopbackAddress(), socket.getLocalPort())) {
        plain.getOutputStream().write("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
        InboundConnection c = port.accept(socket.accept());
        assertThat(c.tls()).isFalse();
        assertThat(c.peer()).isNull();
        assertThat(new String(c.in().readNBytes(16), StandardCharsets.US_ASCII)).isEqualTo("GET / HTTP/1.1\r\n");
        c.socket().close();
      }

      WorkloadCertificate client = ca.issue(SpiffeId.parse(PRODUCTPAGE), Duration.ofHours(1));
      try (SSLSocket tls = (SSLSocket) clientContext(client).getSocketFactory()
          .createSocket(InetAddress.getLoopbackAddress(), socket.getLocalPort())) {
        CompletableFuture<InboundConnection> accepted = CompletableFuture.supplyAsync(() -> {
          try {
            return port.accept(socket.accept());
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });
        tls.startHandshake();
        OutputStream out = tls.getOutputStream();
        out.write('x');
        out.flush();
        InboundConnection c = accepted.get(20, TimeUnit.SECONDS);
        assertThat(c.tls()).isTrue();
        assertThat(c.peer().principal()).isEqualTo(PRODUCTPAGE);
        assertThat(c.in().read()).isEqualTo('x');
        assertThat(port.check(c.request("GET", "/reviews", "greeter", Map.of())).allowed()).isTrue();
        RbacDecision denied = port.check(c.request("GET", "/admin/x", "greeter", Map.of()));
        assertThat(denied).isEqualTo(new RbacDecision(false, "envoy.filters.http.rbac.DENY", "default-deny-admin-0",
            "rbac_access_denied_matched_policy[default-deny-admin-0]"));
        c.socket().close();
      }
    }
  }

  @Test
  void anAllowFilterWithoutAMatchingPolicyDeniesAndPlaintextIsNotAuthenticated() {
    permissive();
    InboundPort port = listeners.port(PORT);
    assertThat(port.check(request(null, false, "/admin")).allowed()).as("plaintext chain has only the DENY filter")
        .isTrue();
    assertThat(port.check(request(null, true, "/reviews")))
        .isEqualTo(new RbacDecision(false, "envoy.filters.http.rbac", "", "rbac_access_denied_matched_policy[none]"));
  }

  private static InboundRequest request(PeerIdentity peer, boolean tls, String path) {
    return new InboundRequest(peer, tls, "", new InetSocketAddress("127.0.0.1", PORT),
        new InetSocketAddress("127.0.0.1", 40000), "GET", path, "greeter", Map.of());
  }

  private SSLContext clientContext(WorkloadCertificate client) throws Exception {
    RotatingKeyManager keys = new RotatingKeyManager();
    keys.update(client);
    SpiffeTrustManager trust = new SpiffeTrustManager(SpiffePeerPolicy.anyIn("cluster.local"));
    trust.updateTrustBundle(List.of(ca.root()));
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(new KeyManager[] {keys}, new TrustManager[] {trust}, null);
    return context;
  }
}
