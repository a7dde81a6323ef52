package io.bowline.proxy.gateway;

import static io.bowline.proxy.gateway.GatewayMesh.curl;
import static io.bowline.proxy.gateway.GatewayMesh.istioFixture;
import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.proxy.BowlineProxy;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Istio's own gateway samples, unchanged from ../shared/fixtures, served by bowline-proxy in the gateway role
 * ({@code router~} node labelled {@code istio=ingressgateway}) and checked with curl: each Gateway's port is a
 * listener, its VirtualService routes requests to the loopback workloads, and what no route matches gets 404
 * {@code NR}.
 */
class GatewayIngressTest {
  static final Map<String, String> INGRESS = Map.of("istio", "ingressgateway");

  static String service(String name, String portName, int port) {
    return """
        apiVersion: v1
        kind: Service
        metadata:
          name: %s
          namespace: default
        spec:
          selector:
            app: %s
          ports:
          - name: %s
            port: %d
        ---
        """.formatted(name, name, portName, port);
  }

  @Test
  void istiosBookinfoGatewaySendsTheProductpagePathsToProductpageAndAnswersOthers404NR(@TempDir Path dir)
      throws Exception {
    try (GatewayMesh mesh = new GatewayMesh(dir)) {
      mesh.config("a-services.yaml", service("productpage", "http", 9080))
          .config("bookinfo-gateway.yaml", istioFixture("samples__bookinfo__networking__bookinfo-gateway.yaml"))
          .app("default", "productpage-v1", "http", Map.of("app", "productpage")).reload();
      BowlineProxy gateway = mesh.gateway("istio-ingressgateway", "istio-system", INGRESS, 8080);
      String base = "http://127.0.0.1:" + gateway.gatewayPort(8080);

      for (String path : new String[] {"/productpage", "/static/bootstrap.css", "/login", "/logout", "/api/v1/products/0"}) {
        assertThat(curl(base + path)).as(path).contains("code=200").contains("productpage-v1 " + path)
            .contains("xfp=http");
      }
      assertThat(curl(base + "/reviews/0")).contains("code=404").containsIgnoringCase("x-bowline-response-flags: NR");
    }
  }

  @Test
  void istiosHttpbinGatewaySendsEveryPathToHttpbin(@TempDir Path dir) throws Exception {
    try (GatewayMesh mesh = new GatewayMesh(dir)) {
      mesh.config("a-services.yaml", service("httpbin", "http", 8000))
          .config("httpbin-gateway.yaml", istioFixture("samples__httpbin__httpbin-gateway.yaml"))
          .app("default", "httpbin-v1", "http", Map.of("app", "httpbin")).reload();
      BowlineProxy gateway = mesh.gateway("istio-ingressgateway", "istio-system", INGRESS, 80);

      assertThat(curl("-H", "Host: httpbin.example.com", "http://127.0.0.1:" + gateway.gatewayPort(80) + "/status/200"))
          .contains("code=200").contains("httpbin-v1 /status/200 host=httpbin.example.com");
    }
  }

  @Test
  void istiosHelloworldGatewaySendsHelloToHelloworldOnly(@TempDir Path dir) throws Exception {
    try (GatewayMesh mesh = new GatewayMesh(dir)) {
      mesh.config("a-services.yaml", service("helloworld", "http", 5000))
          .config("helloworld-gateway.yaml", istioFixture("samples__helloworld__helloworld-gateway.yaml"))
          .app("default", "helloworld-v1", "http", Map.of("app", "helloworld")).reload();
      BowlineProxy gateway = mesh.gateway("istio-ingressgateway", "istio-system", INGRESS, 80);
      String base = "http://127.0.0.1:" + gateway.gatewayPort(80);

      assertThat(curl(base + "/hello")).contains("code=200").contains("helloworld-v1 /hello");
      assertThat(curl(base + "/hello/again")).contains("code=404").containsIgnoringCase("x-bowline-response-flags: NR");
    }
  }
}
