package io.bowline.proxy.gateway;

import static io.bowline.proxy.gateway.GatewayMesh.curl;
import static io.bowline.proxy.gateway.GatewayMesh.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bowline.proxy.BowlineProxy;
import io.bowline.runtime.tls.LocalCaCertificates;
import io.bowline.tls.LocalCa;
import io.bowline.tls.Pem;
import io.bowline.tls.WorkloadCertificate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Gateway server with {@code tls: {mode: ISTIO_MUTUAL}} on the local control plane: the gateway presents its
 * own SVID from the implicit {@code default} certificate provider (the local CA, no bootstrap
 * {@code certificate_providers}), a mesh client with a local-CA-issued SVID gets 200 through it over
 * {@code openssl s_client}, and a client without a certificate is refused.
 */
class GatewayIstioMutualTest {
  private static final String GATEWAY = """
      apiVersion: networking.istio.io/v1
      kind: Gateway
      metadata:
        name: mesh-gateway
        namespace: default
      spec:
        selector:
          istio: ingressgateway
        servers:
        - port: {number: 443, name: https-mesh, protocol: HTTPS}
          hosts: [mesh.example.com]
          tls: {mode: ISTIO_MUTUAL}
      ---
      apiVersion: networking.istio.io/v1
      kind: VirtualService
      metadata:
        name: mesh
        namespace: default
      spec:
        hosts: [mesh.example.com]
        gateways: [mesh-gateway]
        http:
        - route:
          - destination: {host: productpage, port: {number: 9080}}
      """;

  @Test
  void aMeshClientWithAnSvidGets200AndAClientWithoutACertificateIsRefused(@TempDir Path dir) throws Exception {
    try (GatewayMesh mesh = new GatewayMesh(dir)) {
      mesh.config("a-services.yaml", GatewayIngressTest.service("productpage", "http", 9080))
          .config("c-gateway.yaml", GATEWAY)
          .app("default", "productpage-v1", "http", Map.of("app", "productpage"))
          .reload();
      BowlineProxy gateway = mesh.gateway("istio-ingressgateway", "istio-system", GatewayIngressTest.INGRESS, 443);
      int https = gateway.gatewayPort(443);

      try (LocalCaCertificates client = LocalCaCertificates.start(LocalCa.forCurrentUser(), "default", "default")) {
        await().atMost(Duration.ofSeconds(20)).until(() -> client.current() != null);
        WorkloadCertificate svid = client.current();
        Path cert = Files.writeString(dir.resolve("client.crt"), Pem.encode(svid.chain()));
        Path key = Files.writeString(dir.resolve("client.key"), Pem.encode(svid.privateKey()));
        Path roots = Files.writeString(dir.resolve("roots.crt"), Pem.encode(svid.trustBundle()));

        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
          String sClient = run(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + https,
              "-servername", "mesh.example.com", "-CAfile", roots.toString(), "-cert", cert.toString(),
              "-key", key.toString(), "-ign_eof"),
              "GET /productpage HTTP/1.1\r\nHost: mesh.example.com\r\nConnection: close\r\n\r\n");
          assertThat(sClient).contains("Verify return code: 0 (ok)").contains("HTTP/1.1 200")
              .contains("productpage-v1 /productpage");
        });

        assertThat(curl("--cacert", roots.toString(), "-k", "--resolve", "mesh.example.com:" + https + ":127.0.0.1",
            "https://mesh.example.com:" + https + "/productpage"))
            .contains("code=000").doesNotContain("exit=0");
      }
    }
  }
}
