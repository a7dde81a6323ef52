package io.bowline.proxy.gateway;

import static io.bowline.proxy.gateway.GatewayMesh.curl;
import static io.bowline.proxy.gateway.GatewayMesh.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.proxy.BowlineProxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTPS gateway servers as Envoy serves istiod's listeners, checked with curl and {@code openssl s_client}: with
 * HTTP/2 on ({@code --gateway-http2}, the default), the TLS context offers ALPN {@code h2} and {@code http/1.1} and a
 * client that negotiates {@code h2} is served HTTP/2 (the upstream, an {@code http} port, is called over HTTP/1.1);
 * a server whose {@code hosts} is {@code *} has a filter chain without {@code server_names}, so a client
 * that sends no SNI is served; on a server restricted to named hosts, a client without SNI, or in plaintext,
 * matches no filter chain and its connection is closed before any certificate is sent.
 */
class GatewayHttp2AndSniTest {
  @TempDir
  static Path pki;

  @BeforeAll
  static void certificates() throws Exception {
    Files.writeString(pki.resolve("server.ext"), "subjectAltName=DNS:secure.example.com,IP:127.0.0.1\n");
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "1",
        "-subj", "/CN=gateway-h2-test-ca");
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj",
        "/CN=server");
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "server.crt", "-days", "1", "-extfile", "server.ext");
  }

  private static void openssl(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).directory(pki.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as("openssl %s: %s", args[0], out).isZero();
  }

  private static String secret() throws Exception {
    return """
        apiVersion: v1
        kind: Secret
        metadata: {name: front-credential, namespace: istio-system}
        type: kubernetes.io/tls
        stringData:
          tls.crt: |
            %s
          tls.key: |
            %s
        ---
        """.formatted(Files.readString(pki.resolve("server.crt")).strip().replace("\n", "\n    "),
        Files.readString(pki.resolve("server.key")).strip().replace("\n", "\n    "));
  }

  private static final String GATEWAY = """
      apiVersion: networking.istio.io/v1
      kind: Gateway
      metadata: {name: front, namespace: default}
      spec:
        selector: {istio: ingressgateway}
        servers:
        - port: {number: 443, name: https-any, protocol: HTTPS}
          hosts: ["*"]
          tls: {mode: SIMPLE, credentialName: front-credential}
        - port: {number: 9443, name: https-named, protocol: HTTPS}
          hosts: [secure.example.com]
          tls: {mode: SIMPLE, credentialName: front-credential}
      ---
      apiVersion: networking.istio.io/v1
      kind: VirtualService
      metadata: {name: front, namespace: default}
      spec:
        hosts: ["*"]
        gateways: [front]
        http:
        - route:
          - destination: {host: productpage, port: {number: 9080}}
      """;

  @Test
  void h2ByAlpnAndServersWithAndWithoutSniRestriction(@TempDir Path dir) throws Exception {
    try (GatewayMesh mesh = new GatewayMesh(dir); H2cAndHttp1App app = new H2cAndHttp1App("productpage-v1")) {
      mesh.config("a-services.yaml", GatewayIngressTest.service("productpage", "http", 9080))
          .config("b-secret.yaml", secret())
          .config("c-gateway.yaml", GATEWAY)
          .registerAt("default", "productpage-v1", "http", app.port(), Map.of("app", "productpage"))
          .http2()
          .reload();
      BowlineProxy gateway = mesh.gateway("istio-ingressgateway", "istio-system", GatewayIngressTest.INGRESS,
          443, 9443);
      int any = gateway.gatewayPort(443);
      int named = gateway.gatewayPort(9443);
      String ca = pki.resolve("ca.crt").toString();
      String version = "\ncode=%{http_code}\nversion=%{http_version}"; // replaces curl()'s -w

      // hosts "*": no SNI restriction; curl sends no SNI to an IP address, and negotiates h2 by ALPN (the
      // upstream attempt speaks the service port's protocol: "http" is HTTP/1.1, as Envoy's cluster default)
      assertThat(curl("--http2", "--cacert", ca, "-w", version, "https://127.0.0.1:" + any + "/productpage"))
          .contains("code=200").contains("version=2")
          .contains("productpage-v1 /productpage host=127.0.0.1:" + any).contains("xfp=https").contains("proto=HTTP/1.1");
      assertThat(curl("--http1.1", "--cacert", ca, "-w", version, "https://127.0.0.1:" + any + "/productpage"))
          .contains("code=200").contains("version=1.1").contains("productpage-v1 /productpage")
          .contains("proto=HTTP/1.1");
      assertThat(run(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + any, "-noservername",
          "-alpn", "h2,http/1.1", "-CAfile", ca), ""))
          .contains("ALPN protocol: h2").contains("Verify return code: 0 (ok)");

      // named hosts: the SNI-matched chain serves h2 to a client that sends the name
      assertThat(curl("--http2", "--cacert", ca, "-w", version, "--resolve", "secure.example.com:" + named
          + ":127.0.0.1", "https://secure.example.com:" + named + "/productpage"))
          .contains("code=200").contains("version=2").contains("productpage-v1 /productpage host=secure.example.com");
      // without SNI, or in plaintext, no filter chain matches: closed, no certificate sent, nothing served
      assertThat(run(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + named, "-noservername",
          "-CAfile", ca), ""))
          .contains("no peer certificate available").doesNotContain("BEGIN CERTIFICATE").doesNotContain("exit=0");
      assertThat(curl("--http2", "--cacert", ca, "https://127.0.0.1:" + named + "/productpage"))
          .contains("code=000").doesNotContain("productpage-v1");
      assertThat(curl("http://127.0.0.1:" + named + "/productpage"))
          .contains("code=000").doesNotContain("productpage-v1");
    }
  }
}
