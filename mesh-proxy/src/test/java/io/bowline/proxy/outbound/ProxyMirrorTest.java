package io.bowline.proxy.outbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bowline.proxy.IstioMesh;
import io.bowline.runtime.testing.ScriptedHttpServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Spec §6 through the proxy: a VirtualService {@code mirror} makes the pipeline's mirror filter
 * send a shadow of each request, with its body, over the proxy's Netty transport to the mirror
 * subset (its authority as the route sends it, since Istio sets {@code disable_shadow_host_suffix_append});
 * the caller gets the primary's response.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProxyMirrorTest {
  private ScriptedHttpServer primary;
  private ScriptedHttpServer shadow;
  private IstioMesh istio;

  @BeforeAll
  void start() throws Exception {
    primary = new ScriptedHttpServer("primary");
    shadow = new ScriptedHttpServer("shadow");
    istio = new IstioMesh(IstioMesh.service("mirrored", 8080, "HTTP", Map.of("v1", primary.port(), "v2", shadow.port()))
        + """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: mirrored, namespace: default}
        spec:
          host: mirrored.default.svc.cluster.local
          subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: mirrored, namespace: default}
        spec:
          hosts: [mirrored.default.svc.cluster.local]
          http:
          - route: [{destination: {host: mirrored.default.svc.cluster.local, subset: v1}}]
            mirror: {host: mirrored.default.svc.cluster.local, subset: v2}
            mirrorPercentage: {value: 100.0}
        """);
  }

  @AfterAll
  void stop() throws Exception {
    istio.close();
    primary.close();
    shadow.close();
  }

  @Test
  void aPostIsShadowedWithItsBodyToTheMirrorSubset() throws Exception {
    Path body = Files.writeString(Files.createTempFile("body", ".txt"), "mirror me");
    String out = Clients.run(List.of("curl", "-s", "-S", "--max-time", "10", "-D", "-", "-o", "/dev/null",
        "--noproxy", "", "-x", "http://127.0.0.1:" + istio.proxy().outboundPort(), "--data-binary", "@" + body,
        "http://mirrored:8080/orders?id=7"));
    assertThat(out).startsWith("HTTP/1.1 200");
    assertThat(primary.requests()).anySatisfy(r -> assertThat(r.get(":body")).isEqualTo("mirror me"));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(shadow.requests()).anySatisfy(r -> {
      assertThat(r.get(":request-line")).startsWith("POST /orders?id=7 ");
      // Istio ≥ 1.28 (and our control plane) sets disable_shadow_host_suffix_append: the authority as sent
      assertThat(r.get("host")).isEqualTo("mirrored:8080");
      assertThat(r.get(":body")).isEqualTo("mirror me");
    }));
  }
}
