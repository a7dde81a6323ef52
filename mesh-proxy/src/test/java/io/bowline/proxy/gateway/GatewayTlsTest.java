package io.bowline.proxy.gateway;

import static io.bowline.proxy.gateway.GatewayMesh.curl;
import static io.bowline.proxy.gateway.GatewayMesh.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bowline.proxy.BowlineProxy;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS at the gateway, checked with curl and {@code openssl s_client}: an HTTPS server with {@code credentialName}
 * (a {@code kubernetes.io/tls} Secret in the gateway's namespace, which the local control plane serves over SDS)
 * in mode SIMPLE, one in mode MUTUAL that requires a client certificate from the Secret's CA, both on port 443 and
 * chosen by SNI; {@code httpsRedirect} on port 80; a host no server serves gets 404 {@code NR}; and a
 * PASSTHROUGH server whose connections go, by SNI and still encrypted, to an {@code openssl s_server}.
 */
class GatewayTlsTest {
  @TempDir
  static Path pki;

  @BeforeAll
  static void certificates() throws Exception {
    Files.writeString(pki.resolve("server.ext"),
        "subjectAltName=DNS:secure.example.com,DNS:mutual.example.com,DNS:passthrough.example.com\n");
    Files.writeString(pki.resolve("client.ext"), "subjectAltName=DNS:client.example.com\n");
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "1",
        "-subj", "/CN=gateway-test-ca");
    for (String who : List.of("server", "client")) {
      openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", who + ".key", "-out", who + ".csr",
          "-subj", "/CN=" + who);
      openssl("x509", "-req", "-in", who + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
          "-out", who + ".crt", "-days", "1", "-extfile", who + ".ext");
    }
  }

  private static void openssl(String... args) throws Exception {
    ProcessBuilder b = new ProcessBuilder(concat("openssl", args)).directory(pki.toFile()).redirectErrorStream(true);
    Process p = b.start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as("openssl %s: %s", args[0], out).isZero();
  }

  private static List<String> concat(String first, String... rest) {
    List<String> all = new java.util.ArrayList<>(List.of(first));
    all.addAll(List.of(rest));
    return all;
  }

  private static String pem(String file) throws IOException {
    return Files.readString(pki.resolve(file)).strip().replace("\n", "\n    ");
  }

  private static String secret(String name, boolean withCa) throws IOException {
    return """
        apiVersion: v1
        kind: Secret
        metadata:
          name: %s
          namespace: istio-system
        type: kubernetes.io/tls
        stringData:
          tls.crt: |
            %s
          tls.key: |
            %s
        """.formatted(name, pem("server.crt"), pem("server.key"))
        + (withCa ? "  ca.crt: |\n    " + pem("ca.crt") + "\n" : "") + "---\n";
  }

  private static final String GATEWAY = """
      apiVersion: networking.istio.io/v1
      kind: Gateway
      metadata:
        name: secure-gateway
        namespace: default
      spec:
        selector:
          istio: ingressgateway
        servers:
        - port: {number: 443, name: https-simple, protocol: HTTPS}
          hosts: [secure.example.com]
          tls: {mode: SIMPLE, credentialName: secure-credential}
        - port: {number: 443, name: https-mutual, protocol: HTTPS}
          hosts: [mutual.example.com]
          tls: {mode: MUTUAL, credentialName: mutual-credential}
        - port: {number: 80, name: http, protocol: HTTP}
          hosts: [secure.example.com]
          tls: {httpsRedirect: true}
        - port: {number: 8443, name: tls-passthrough, protocol: TLS}
          hosts: [passthrough.example.com]
          tls: {mode: PASSTHROUGH}
      ---
      apiVersion: networking.istio.io/v1
      kind: VirtualService
      metadata:
        name: secure
        namespace: default
      spec:
        hosts: [secure.example.com, mutual.example.com]
        gateways: [secure-gateway]
        http:
        - route:
          - destination: {host: productpage, port: {number: 9080}}
      ---
      apiVersion: networking.istio.io/v1
      kind: VirtualService
      metadata:
        name: passthrough
        namespace: default
      spec:
        hosts: [passthrough.example.com]
        gateways: [secure-gateway]
        tls:
        - match:
          - port: 8443
            sniHosts: [passthrough.example.com]
          route:
          - destination: {host: tls-backend, port: {number: 8443}}
      """;

  @Test
  void simpleMutualRedirectUnservedHostsAndPassthroughThroughOneGateway(@TempDir Path dir) throws Exception {
    int backendPort;
    try (ServerSocket free = new ServerSocket(0)) {
      backendPort = free.getLocalPort();
    }
    Process backend = new ProcessBuilder("openssl", "s_server", "-accept", String.valueOf(backendPort),
        "-cert", "server.crt", "-key", "server.key", "-www", "-quiet")
        .directory(pki.toFile()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    try (GatewayMesh mesh = new GatewayMesh(dir)) {
      mesh.config("a-services.yaml", GatewayIngressTest.service("productpage", "http", 9080)
              + GatewayIngressTest.service("tls-backend", "tls", 8443))
          .config("b-secrets.yaml", secret("secure-credential", false) + secret("mutual-credential", true))
          .config("c-gateway.yaml", GATEWAY)
          .app("default", "productpage-v1", "http", Map.of("app", "productpage"))
          .registerAt("default", "tls-backend-v1", "tls", backendPort, Map.of("app", "tls-backend"))
          .reload();
      BowlineProxy gateway = mesh.gateway("istio-ingressgateway", "istio-system", GatewayIngressTest.INGRESS,
          443, 80, 8443);
      int https = gateway.gatewayPort(443);
      int http = gateway.gatewayPort(80);
      int passthrough = gateway.gatewayPort(8443);
      String ca = pki.resolve("ca.crt").toString();

      // SIMPLE: the credentialName certificate, verified by curl against the CA
      assertThat(curl("--cacert", ca, "--resolve", "secure.example.com:" + https + ":127.0.0.1",
          "https://secure.example.com:" + https + "/productpage"))
          .contains("code=200").contains("productpage-v1 /productpage host=secure.example.com").contains("xfp=https");

      // MUTUAL: no client certificate, no response; with one from the Secret's CA, routed
      String mutualUrl = "https://mutual.example.com:" + https + "/productpage";
      String resolve = "mutual.example.com:" + https + ":127.0.0.1";
      assertThat(curl("--cacert", ca, "--resolve", resolve, mutualUrl)).contains("code=000").doesNotContain("exit=0");
      assertThat(curl("--cacert", ca, "--resolve", resolve, "--cert", pki.resolve("client.crt").toString(),
          "--key", pki.resolve("client.key").toString(), mutualUrl))
          .contains("code=200").contains("productpage-v1 /productpage host=mutual.example.com");
      String sClient = run(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + https,
          "-servername", "mutual.example.com", "-CAfile", ca, "-cert", pki.resolve("client.crt").toString(),
          "-key", pki.resolve("client.key").toString(), "-ign_eof"),
          "GET /productpage HTTP/1.1\r\nHost: mutual.example.com\r\nConnection: close\r\n\r\n");
      assertThat(sClient).contains("Verify return code: 0 (ok)").contains("HTTP/1.1 200")
          .contains("productpage-v1 /productpage");

      // httpsRedirect: a plaintext request for the server's host gets 301 to https
      assertThat(curl("-H", "Host: secure.example.com", "http://127.0.0.1:" + http + "/productpage?x=1"))
          .contains("code=301").containsIgnoringCase("location: https://secure.example.com/productpage?x=1");

      // a host no Gateway serves
      assertThat(curl("-H", "Host: unknown.example.com", "http://127.0.0.1:" + http + "/productpage"))
          .contains("code=404").containsIgnoringCase("x-bowline-response-flags: NR");

      // PASSTHROUGH: TLS end to end with the backend (openssl s_server's own page), the gateway only forwards
      await().atMost(Duration.ofSeconds(10)).until(() -> {
        try (Socket s = new Socket("127.0.0.1", backendPort)) {
          return true;
        } catch (IOException notYet) {
          return false;
        }
      });
      assertThat(curl("--cacert", ca, "--resolve", "passthrough.example.com:" + passthrough + ":127.0.0.1",
          "https://passthrough.example.com:" + passthrough + "/"))
          .contains("code=200").contains("s_server");
    } finally {
      backend.destroy();
    }
  }
}
