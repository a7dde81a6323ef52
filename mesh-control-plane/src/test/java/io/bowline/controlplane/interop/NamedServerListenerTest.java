package io.bowline.controlplane.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.api.ClientStatus;
import io.bowline.api.MeshClient;
import io.bowline.controlplane.LocalControlPlane;
import io.bowline.controlplane.TestConfigs;
import io.bowline.runtime.RuntimeMeshClient;
import io.bowline.runtime.inbound.InboundMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15 part 6: the runtime asks for its server listener by name (gRFC A36), as istiod requires, when a server
 * registers a port through {@code serverListeners()}; the local control plane answers that name and no other
 * inbound listener, over a real ADS stream.
 */
class NamedServerListenerTest {
  private static final String PREFIX = "xds.istio.io/grpc/lds/inbound/";

  @TempDir
  Path dir;

  @Test
  void aRegisteredPortSubscribesItsServerListenerByNameAndGetsOnlyThatOne() throws Exception {
    TestConfigs.write(dir, "00-greeter.yaml", """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: greeter}
        spec:
          hosts: [greeter.default.svc.cluster.local]
          ports: [{number: 8080, name: grpc, protocol: GRPC, targetPort: 18443}, {number: 9090, name: admin,
            targetPort: 19090}]
          resolution: STATIC
          workloadSelector: {labels: {app: greeter}}
        ---
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: {name: default, namespace: default}
        spec: {mtls: {mode: DISABLE}}
        """);
    try (LocalControlPlane controlPlane = LocalControlPlane.builder(dir).port(0).start();
        MeshClient mesh = MeshClient.builder()
            .workload("greeter-1", "default")
            .label("app", "greeter")
            .xdsServer("127.0.0.1:" + controlPlane.port())
            .build()) {
      mesh.awaitReady(Duration.ofSeconds(20));
      assertThat(inboundNames(mesh)).as("nothing asked, nothing served").isEmpty();

      RuntimeMeshClient runtime = RuntimeMeshClient.of(mesh);
      assertThat(runtime.serverListeners().awaitListener(18443, Duration.ofSeconds(20))).isTrue();
      assertThat(runtime.serverListeners().port(18443).mode()).isEqualTo(InboundMode.DISABLE);
      assertThat(mesh.status().resources()).anySatisfy(r -> {
        assertThat(r.name()).isEqualTo(PREFIX + "0.0.0.0:18443");
        assertThat(r.state()).isEqualTo(ClientStatus.State.ACKED);
      });
      assertThat(inboundNames(mesh)).containsExactly(PREFIX + "0.0.0.0:18443");
      assertThat(controlPlane.acks().nacks()).isEmpty();
    }
  }

  private static List<String> inboundNames(MeshClient mesh) {
    return mesh.status().resources().stream().map(ClientStatus.Resource::name).filter(n -> n.startsWith(PREFIX))
        .toList();
  }
}
