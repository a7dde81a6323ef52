package io.bowline.controlplane.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.bowline.controlplane.LocalControlPlane;
import io.bowline.controlplane.TestConfigs;
import io.bowline.controlplane.translate.ClientView;
import io.bowline.runtime.xds.XdsClient;
import io.bowline.runtime.xds.XdsResources;
import io.bowline.api.config.SocketListener;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bowline's runtime xDS client as a gateway: with a {@code router~} node labelled {@code istio=ingressgateway}
 * it fetches the gateway view of Istio's {@code bookinfo-gateway.yaml} from the local control plane, reads the
 * socket listener {@code 0.0.0.0_8080} (one plaintext filter chain whose connection manager fetches RDS
 * {@code http.8080}), follows it to that route configuration, ACKs LDS, RDS, CDS and EDS, and has productpage's
 * cluster.
 */
class RuntimeGatewayViewTest {

  private static final ClientView VIEW = ClientView.router("istio-system", Map.of("istio", "ingressgateway"));

  /** The node of an ingress gateway: {@code router~}, namespace {@code istio-system}, {@code istio=ingressgateway}. */
  static Node ingressGatewayNode() {
    return Node.newBuilder()
        .setId("router~127.0.0.1~istio-ingressgateway-1.istio-system~istio-system.svc.cluster.local")
        .setMetadata(Struct.newBuilder()
            .putFields("NAMESPACE", Value.newBuilder().setStringValue("istio-system").build())
            .putFields("LABELS", Value.newBuilder().setStructValue(Struct.newBuilder()
                .putFields("istio", Value.newBuilder().setStringValue("ingressgateway").build())).build()))
        .build();
  }

  @Test
  void theRuntimeAsARouterNodeAcksTheGatewayViewOfBookinfoGateway(@TempDir Path dir) throws Exception {
    Files.copy(TestConfigs.bookinfoServices(), dir.resolve("a-services.yaml"));
    Files.copy(TestConfigs.istioFixture("samples__bookinfo__networking__bookinfo-gateway.yaml"),
        dir.resolve("bookinfo-gateway.yaml"));
    Node node = ingressGatewayNode();
    AtomicReference<XdsResources> latest = new AtomicReference<>();
    try (LocalControlPlane controlPlane = LocalControlPlane.builder(dir).port(0).start();
        XdsClient client = new XdsClient("127.0.0.1:" + controlPlane.port(), node, Duration.ofSeconds(2),
            latest::set)) {
      client.start();
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        for (String type : BookinfoReviewsMesh.TYPES) {
          assertThat(client.status().versionOf(type)).as(type).isNotEmpty()
              .isEqualTo(controlPlane.servedVersion(VIEW, type));
        }
      });
      assertThat(controlPlane.acks().nacks()).isEmpty();
      assertThat(latest.get().clusters()).containsKey("outbound|9080||productpage.default.svc.cluster.local");
      SocketListener listener = latest.get().socketListeners().get("0.0.0.0_8080");
      assertThat(listener.port()).isEqualTo(8080);
      assertThat(listener.filterChains()).singleElement().satisfies(chain -> {
        assertThat(chain.tls()).isNull();
        assertThat(chain.http().routeConfigName()).isEqualTo("http.8080");
      });
      assertThat(latest.get().routes().get("http.8080").virtualHosts())
          .anySatisfy(vh -> assertThat(vh.domains()).contains("*"));
      assertThat(latest.get().listeners()).isEmpty();
    }
  }
}
