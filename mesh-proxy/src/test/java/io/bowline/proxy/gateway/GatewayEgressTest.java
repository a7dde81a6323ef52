package io.bowline.proxy.gateway;

import static io.bowline.proxy.gateway.GatewayMesh.curl;
import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.api.MeshClient;
import io.bowline.proxy.BowlineProxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Istio's egress-gateway pattern end to end: a workload's proxy under {@code REGISTRY_ONLY} sends a call for the
 * external host to the egress gateway (the VirtualService's {@code mesh} rule), the egress gateway (a second
 * bowline-proxy in the gateway role, {@code istio=egressgateway}) sends it to the ServiceEntry's endpoint (its
 * {@code istio-egressgateway} rule), played by a loopback server; a host without ServiceEntry is refused
 * (502 {@code NR}).
 */
class GatewayEgressTest {
  private static final String CONFIG = """
      apiVersion: networking.istio.io/v1
      kind: ServiceEntry
      metadata:
        name: cnn
        namespace: default
      spec:
        hosts: [edition.cnn.com]
        location: MESH_EXTERNAL
        resolution: STATIC
        ports:
        - {number: 80, name: http-port, protocol: HTTP}
        workloadSelector:
          labels: {app: external-cnn}
      ---
      apiVersion: v1
      kind: Service
      metadata:
        name: istio-egressgateway
        namespace: istio-system
      spec:
        selector: {istio: egressgateway}
        ports:
        - {name: http, port: 80}
      ---
      apiVersion: networking.istio.io/v1
      kind: Gateway
      metadata:
        name: istio-egressgateway
        namespace: default
      spec:
        selector: {istio: egressgateway}
        servers:
        - port: {number: 80, name: http, protocol: HTTP}
          hosts: [edition.cnn.com]
      ---
      apiVersion: networking.istio.io/v1
      kind: DestinationRule
      metadata:
        name: egressgateway-for-cnn
        namespace: default
      spec:
        host: istio-egressgateway.istio-system.svc.cluster.local
        subsets:
        - name: cnn
      ---
      apiVersion: networking.istio.io/v1
      kind: VirtualService
      metadata:
        name: direct-cnn-through-egress-gateway
        namespace: default
      spec:
        hosts: [edition.cnn.com]
        gateways: [istio-egressgateway, mesh]
        http:
        - match:
          - gateways: [mesh]
            port: 80
          route:
          - destination:
              host: istio-egressgateway.istio-system.svc.cluster.local
              subset: cnn
              port: {number: 80}
        - match:
          - gateways: [istio-egressgateway]
            port: 80
          route:
          - destination:
              host: edition.cnn.com
              port: {number: 80}
      """;

  @Test
  void aRegistryOnlyWorkloadReachesTheExternalHostThroughTheEgressGatewayAndNothingElse(@TempDir Path dir)
      throws Exception {
    try (GatewayMesh mesh = new GatewayMesh(dir)) {
      mesh.config("egress.yaml", CONFIG).app("default", "external-cnn", "http-port", Map.of("app", "external-cnn"))
          .reload();
      BowlineProxy egress = mesh.gateway("istio-egressgateway", "istio-system", Map.of("istio", "egressgateway"), 80);
      mesh.registerAt("istio-system", "istio-egressgateway-1", "http", egress.gatewayPort(80),
          Map.of("istio", "egressgateway"));
      MeshClient sleep = MeshClient.builder().xdsServer("127.0.0.1:" + mesh.controlPlane.port())
          .workload("sleep", "default").label("app", "sleep").build();
      try (BowlineProxy sidecar = BowlineProxy.builder().mesh(sleep).ownsMesh(true).registryOnly(true).outbound(0)
          .threads(1).start()) {
        sleep.awaitReady(Duration.ofSeconds(20));
        String proxy = "http://127.0.0.1:" + sidecar.outboundPort();

        // through the egress gateway: the external server sees the request the gateway forwarded
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
            assertThat(curl("-x", proxy, "http://edition.cnn.com/politics"))
                .contains("code=200").contains("external-cnn /politics host=edition.cnn.com"));
        // a host the mesh does not know: refused by the workload's own proxy
        assertThat(curl("-x", proxy, "http://www.example.org/"))
            .contains("code=502").containsIgnoringCase("x-bowline-response-flags: NR");
      }
    }
  }
}
