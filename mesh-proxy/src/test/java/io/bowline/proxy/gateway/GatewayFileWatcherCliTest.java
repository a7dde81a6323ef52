package io.bowline.proxy.gateway;

import static io.bowline.proxy.gateway.GatewayMesh.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bowline.proxy.cli.ProxyCli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bowline-proxy --certificate-file --private-key-file --ca-certificate-file --refresh-interval}: the
 * bootstrap's {@code file_watcher} certificate provider {@code default} (gRFC A29, as Istio's grpc-agent writes
 * it) from the command line. An ISTIO_MUTUAL gateway server presents the file's certificate to a client whose
 * certificate chains to the file's CA, refuses a client without one, and presents a rotated certificate to new
 * handshakes once the file changes.
 */
class GatewayFileWatcherCliTest {
  private static final String GATEWAY = """
      apiVersion: networking.istio.io/v1
      kind: Gateway
      metadata: {name: mesh-gateway, namespace: default}
      spec:
        selector: {istio: ingressgateway}
        servers:
        - port: {number: 443, name: https-mesh, protocol: HTTPS}
          hosts: [mesh.example.com]
          tls: {mode: ISTIO_MUTUAL}
      ---
      apiVersion: networking.istio.io/v1
      kind: VirtualService
      metadata: {name: mesh, namespace: default}
      spec:
        hosts: [mesh.example.com]
        gateways: [mesh-gateway]
        http:
        - route:
          - destination: {host: productpage, port: {number: 9080}}
      """;

  private static void openssl(Path dir, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as("openssl %s: %s", args[0], out).isZero();
  }

  /** An X.509-SVID {@code name}.crt for {@code name}.key (made if absent), signed by the CA. */
  private static void issue(Path pki, String name, String cn, String spiffeId) throws Exception {
    Files.writeString(pki.resolve(name + ".ext"), "subjectAltName=URI:" + spiffeId + "\nbasicConstraints=CA:FALSE\n"
        + "keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth,clientAuth\n");
    if (!Files.exists(pki.resolve(name + ".key"))) {
      openssl(pki, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", name + ".key");
    }
    openssl(pki, "req", "-new", "-key", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + cn);
    openssl(pki, "x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", name + ".next", "-days", "1", "-extfile", name + ".ext");
    Files.move(pki.resolve(name + ".next"), pki.resolve(name + ".crt"), StandardCopyOption.ATOMIC_MOVE);
  }

  @Test
  void theFileWatcherFlagsServeIstioMutualAndFollowRotation(@TempDir Path dir, @TempDir Path pki) throws Exception {
    openssl(pki, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
        "ca.key", "-out", "ca.crt", "-days", "1", "-subj", "/O=cluster.local",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign");
    issue(pki, "gateway", "gateway-v1", "spiffe://cluster.local/ns/istio-system/sa/istio-ingressgateway");
    issue(pki, "client", "sleep", "spiffe://cluster.local/ns/default/sa/sleep");

    try (GatewayMesh mesh = new GatewayMesh(dir)) {
      mesh.config("a-services.yaml", GatewayIngressTest.service("productpage", "http", 9080))
          .config("c-gateway.yaml", GATEWAY)
          .app("default", "productpage-v1", "http", Map.of("app", "productpage"))
          .reload();
      ProxyCli cli = new ProxyCli();
      CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> ProxyCli.commandLine(cli).execute(
          "--gateway", "--xds", "127.0.0.1:" + mesh.controlPlane.port(), "--label", "istio=ingressgateway",
          "--gateway-port", "443:0", "--threads", "1",
          "--certificate-file", pki.resolve("gateway.crt").toString(),
          "--private-key-file", pki.resolve("gateway.key").toString(),
          "--ca-certificate-file", pki.resolve("ca.crt").toString(), "--refresh-interval", "1s"));
      try {
        await().atMost(Duration.ofSeconds(30)).until(() -> cli.proxy() != null || exit.isDone());
        assertThat(exit).isNotDone();
        await().atMost(Duration.ofSeconds(30)).until(() -> cli.proxy().gatewayPort(443) > 0);
        int https = cli.proxy().gatewayPort(443);
        List<String> sClient = List.of("openssl", "s_client", "-connect", "127.0.0.1:" + https,
            "-servername", "mesh.example.com", "-CAfile", pki.resolve("ca.crt").toString(),
            "-cert", pki.resolve("client.crt").toString(), "-key", pki.resolve("client.key").toString(), "-ign_eof");
        String request = "GET /productpage HTTP/1.1\r\nHost: mesh.example.com\r\nConnection: close\r\n\r\n";

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(run(sClient, request))
            .contains("Verify return code: 0 (ok)").contains("CN = gateway-v1").contains("HTTP/1.1 200")
            .contains("productpage-v1 /productpage"));
        // no client certificate: refused by ISTIO_MUTUAL
        assertThat(run(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + https, "-servername",
            "mesh.example.com", "-CAfile", pki.resolve("ca.crt").toString(), "-ign_eof"), request))
            .doesNotContain("HTTP/1.1 200");

        // rotation: the next refresh reads the new certificate, new handshakes get it
        issue(pki, "gateway", "gateway-v2", "spiffe://cluster.local/ns/istio-system/sa/istio-ingressgateway");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(run(sClient, request))
            .contains("Verify return code: 0 (ok)").contains("CN = gateway-v2").contains("HTTP/1.1 200"));
      } finally {
        cli.stop();
      }
      assertThat(exit.get()).isEqualTo(ProxyCli.OK);
    }
  }
}
