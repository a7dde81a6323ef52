package io.bowline.controlplane.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.api.MeshClient;
import io.bowline.controlplane.LocalControlPlane;
import io.bowline.controlplane.TestConfigs;
import io.bowline.runtime.RuntimeMeshClient;
import io.bowline.runtime.inbound.InboundConnection;
import io.bowline.runtime.inbound.InboundMode;
import io.bowline.runtime.inbound.InboundPort;
import io.bowline.runtime.inbound.RbacDecision;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15 part 6: PERMISSIVE as istiod emits it for a sidecar, two filter chains (mTLS matched by
 * {@code transport_protocol: tls}, plaintext by {@code raw_buffer}), served by the local control plane to a Bowline
 * mesh client, whose inbound port then accepts both on one port by sniffing the first bytes. Peers: the JDK
 * {@code HttpClient} over HTTPS with a workload certificate and over plain HTTP, and Debian's
 * {@code openssl s_client}; a port-level {@code portLevelMtls} PERMISSIVE under a namespace-wide STRICT.
 */
class PermissiveInboundTest {
  private static final String SERVER_ID = "spiffe://cluster.local/ns/default/sa/greeter";
  private static final String PRODUCTPAGE = "spiffe://cluster.local/ns/default/sa/productpage";

  @TempDir
  Path dir;
  private final TestCertificates ca = new TestCertificates();
  private int port;
  private int strictPort;
  private LocalControlPlane controlPlane;
  private MeshClient mesh;
  private final List<ServerSocket> servers = new ArrayList<>();

  @BeforeEach
  void workload() throws IOException {
    Files.createDirectories(dir.resolve("config"));
    port = freePort();
    strictPort = freePort();
    TestConfigs.write(dir.resolve("config"), "00-greeter.yaml", """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: greeter}
        spec:
          hosts: [greeter.default.svc.cluster.local]
          ports: [{number: 8080, name: http, protocol: HTTP, targetPort: %d},
                  {number: 8081, name: http-admin, protocol: HTTP, targetPort: %d}]
          resolution: STATIC
          workloadSelector: {labels: {app: greeter}}
        """.formatted(port, strictPort));
    ca.issue(SERVER_ID, dir.resolve("server"));
  }

  @AfterEach
  void stop() throws Exception {
    for (ServerSocket server : servers) {
      server.close();
    }
    if (mesh != null) {
      mesh.close();
    }
    if (controlPlane != null) {
      controlPlane.close();
    }
  }

  @Test
  void aPermissivePortAnswersMtlsAndPlaintextOnOnePortAndTellsWhichItWas() throws Exception {
    InboundPort inbound = startMesh("", port);
    assertThat(inbound.mode()).isEqualTo(InboundMode.PERMISSIVE);
    serve(inbound);
    Path productpage = ca.issue(PRODUCTPAGE, dir.resolve("productpage"));

    assertThat(get(mtlsContext(productpage), port)).startsWith("HTTP/1.1 200").endsWith("\r\n\r\ntls " + PRODUCTPAGE);
    assertThat(get(null, port)).startsWith("HTTP/1.1 200").endsWith("\r\n\r\nplaintext (none)");

    assertThat(sClient(productpage, port)).contains("HTTP/1.1 200").contains("tls " + PRODUCTPAGE);
    assertThat(controlPlane.acks().nacks()).isEmpty();
  }

  @Test
  void portLevelPermissiveUnderNamespaceStrictOpensOnlyThatPortToPlaintext() throws Exception {
    InboundPort permissive = startMesh("""
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: default}
        spec: {mtls: {mode: STRICT}}
        ---
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: greeter}
        spec:
          selector: {matchLabels: {app: greeter}}
          portLevelMtls:
            %d: {mode: PERMISSIVE}
        """.formatted(port), port);
    RuntimeMeshClient runtime = RuntimeMeshClient.of(mesh);
    assertThat(runtime.serverListeners().awaitListener(strictPort, Duration.ofSeconds(20))).isTrue();
    InboundPort strict = runtime.serverListeners().port(strictPort);
    assertThat(permissive.mode()).isEqualTo(InboundMode.PERMISSIVE);
    assertThat(strict.mode()).isEqualTo(InboundMode.STRICT);
    serve(permissive);
    serve(strict);

    assertThat(get(null, port)).endsWith("\r\n\r\nplaintext (none)");
    assertThat(get(null, strictPort)).as("plaintext to the STRICT port").isEmpty();
    assertThat(sClient(null, strictPort)).doesNotContain("HTTP/1.1");
    Path productpage = ca.issue(PRODUCTPAGE, dir.resolve("productpage"));
    assertThat(sClient(productpage, strictPort)).contains("HTTP/1.1 200").contains("tls " + PRODUCTPAGE);
  }

  private InboundPort startMesh(String securityYaml, int awaited) throws Exception {
    TestConfigs.write(dir.resolve("config"), "10-security.yaml", securityYaml);
    controlPlane = LocalControlPlane.builder(dir.resolve("config")).port(0).start();
    assertThat(controlPlane.diagnostics()).noneMatch(d -> d.isError());
    mesh = MeshClient.builder()
        .workload("greeter-1", "default")
        .label("app", "greeter")
        .bootstrapJson("""
            {"xds_servers": [{"server_uri": "127.0.0.1:%d", "channel_creds": [{"type": "insecure"}],
              "server_features": ["xds_v3"]}],
             "node": {"id": "sidecar~127.0.0.1~greeter-1.default~default.svc.cluster.local"}
             %s}
            """.formatted(controlPlane.port(), TestCertificates.certificateProviders(dir.resolve("server"))))
        .build();
    RuntimeMeshClient runtime = RuntimeMeshClient.of(mesh);
    assertThat(runtime.serverListeners().awaitListener(awaited, Duration.ofSeconds(20))).as("server listener")
        .isTrue();
    return runtime.serverListeners().port(awaited);
  }

  /**
   * A blocking HTTP/1.1 server on the inbound port: {@link InboundPort#accept} sniffs and handshakes, RBAC checks
   * the request, the body says whether the connection was TLS and the peer's SPIFFE ID. One request per connection.
   */
  private void serve(InboundPort inbound) throws IOException {
    ServerSocket server = new ServerSocket(inbound.port(), 50, java.net.InetAddress.getLoopbackAddress());
    servers.add(server);
    daemon(() -> {
      while (!server.isClosed()) {
        try {
          Socket socket = server.accept();
          daemon(() -> answer(inbound, socket));
        } catch (IOException closed) {
          return;
        }
      }
    });
  }

  private static void daemon(Runnable task) {
    Thread thread = new Thread(task, "permissive-test-server");
    thread.setDaemon(true);
    thread.start();
  }

  private static void answer(InboundPort inbound, Socket socket) {
    try (socket) {
      InboundConnection connection = inbound.accept(socket);
      BufferedReader reader = new BufferedReader(new InputStreamReader(connection.in(), StandardCharsets.US_ASCII));
      String[] requestLine = reader.readLine().split(" ");
      String host = "";
      for (String line = reader.readLine(); line != null && !line.isEmpty(); line = reader.readLine()) {
        if (line.regionMatches(true, 0, "host:", 0, 5)) {
          host = line.substring(5).trim();
        }
      }
      RbacDecision decision = inbound.check(connection.request(requestLine[0], requestLine[1], host, Map.of()));
      String body = !decision.allowed() ? RbacDecision.DENIED_BODY
          : (connection.tls() ? "tls " : "plaintext ")
              + (connection.peer() == null ? "(none)" : connection.peer().principal());
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      OutputStream out = connection.out();
      out.write(("HTTP/1.1 " + (decision.allowed() ? "200 OK" : "403 Forbidden") + "\r\nContent-Length: "
          + bytes.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(bytes);
      out.flush();
    } catch (IOException refused) {
      // refused by the port's mode or a failed handshake: the socket is closed, nothing was answered
    }
  }

  /**
   * One {@code GET /} on a fresh connection, TLS with {@code tls} (no host name check: the server's certificate
   * carries its SPIFFE ID only) or plaintext; the whole response, or {@code ""} if the server closed without one.
   */
  private static String get(SSLContext tls, int target) throws IOException {
    try (Socket socket = tls == null ? new Socket("127.0.0.1", target)
        : tls.getSocketFactory().createSocket("127.0.0.1", target)) {
      socket.setSoTimeout(20_000);
      socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: greeter\r\nConnection: close\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    } catch (java.net.SocketException reset) {
      return "";
    }
  }

  /** A client context presenting {@code files}' workload certificate and trusting the test CA. */
  private static SSLContext mtlsContext(Path files) throws Exception {
    CertificateFactory x509 = CertificateFactory.getInstance("X.509");
    List<X509Certificate> chain = new ArrayList<>();
    try (InputStream in = Files.newInputStream(files.resolve("cert-chain.pem"))) {
      x509.generateCertificates(in).forEach(c -> chain.add((X509Certificate) c));
    }
    X509Certificate root;
    try (InputStream in = Files.newInputStream(files.resolve("root-cert.pem"))) {
      root = (X509Certificate) x509.generateCertificate(in);
    }
    java.security.PrivateKey key;
    try (PEMParser parser = new PEMParser(Files.newBufferedReader(files.resolve("key.pem")))) {
      key = new JcaPEMKeyConverter().getPrivateKey((PrivateKeyInfo) parser.readObject());
    }
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    keys.setKeyEntry("workload", key, new char[0], chain.toArray(X509Certificate[]::new));
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, new char[0]);
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("root", root);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    return context;
  }

  /** {@code openssl s_client} (Debian's) sending one HTTP/1.1 request, with {@code files}' certificate or none. */
  private String sClient(Path files, int target) throws Exception {
    return OpensslClient.get(dir.resolve("server/root-cert.pem"), files, target, "/");
  }

  private static int freePort() throws IOException {
    try (ServerSocket free = new ServerSocket(0)) {
      return free.getLocalPort();
    }
  }
}
