package io.bowline.runtime;

import static io.bowline.runtime.testing.EnvoyResources.edsCluster;
import static io.bowline.runtime.testing.EnvoyResources.endpoints;
import static io.bowline.runtime.testing.EnvoyResources.listener;
import static io.bowline.runtime.testing.EnvoyResources.prefix;
import static io.bowline.runtime.testing.EnvoyResources.routes;
import static io.bowline.runtime.testing.EnvoyResources.toCluster;
import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.api.MeshClient;
import io.bowline.runtime.adapter.okhttp.BowlineOkHttp;
import io.bowline.runtime.bootstrap.ServerInfo;
import io.bowline.runtime.testing.NamedHttpServer;
import io.bowline.runtime.testing.XdsTestServer;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;

/** Builder methods for bootstrap fields: several xDS servers (fallback), server features, locality. */
class BuilderXdsOverridesTest {
  private static final String SVC = "ov.default.svc.cluster.local";

  @Test
  void serversFeaturesAndLocalityReachTheXdsClientConfig() {
    MeshClient.Builder b = MeshClient.builder().workload("w", "default")
        .xdsServers("127.0.0.1:1", "127.0.0.1:2")
        .serverFeatures(ServerInfo.IGNORE_RESOURCE_DELETION)
        .locality("eu-west1", "eu-west1-b", "rack7");
    MeshSetup setup = MeshSetup.resolve(b.settings());
    assertThat(setup.xds().servers()).extracting(ServerInfo::serverUri).containsExactly("127.0.0.1:1", "127.0.0.1:2");
    assertThat(setup.xds().servers()).allSatisfy(s -> assertThat(s.ignoreResourceDeletion()).isTrue());
    var l = setup.xds().node().getLocality();
    assertThat(List.of(l.getRegion(), l.getZone(), l.getSubZone())).containsExactly("eu-west1", "eu-west1-b", "rack7");
  }

  @Test
  void theSourceAddressForSourceIpHashingIsTheNodesInstanceIpElseTheIpInItsId() {
    var node = io.envoyproxy.envoy.config.core.v3.Node.newBuilder().setId("sidecar~10.1.2.3~p.ns~ns.svc.cluster.local");
    assertThat(MeshSetup.sourceAddress(node.build())).isEqualTo("10.1.2.3");
    node.setMetadata(com.google.protobuf.Struct.newBuilder().putFields("INSTANCE_IPS",
        com.google.protobuf.Value.newBuilder().setStringValue("10.9.9.9,fd00::9").build()));
    assertThat(MeshSetup.sourceAddress(node.build())).isEqualTo("10.9.9.9");
    assertThat(MeshSetup.sourceAddress(io.envoyproxy.envoy.config.core.v3.Node.newBuilder().setId("plain").build())).isNull();
    MeshSetup ours = MeshSetup.resolve(MeshClient.builder().workload("w", "default").xdsServer("127.0.0.1:1").settings());
    assertThat(ours.sourceAddress()).isNotBlank();
  }

  @Test
  void fallsBackToTheSecondServerAndSendsTheLocality() throws Exception {
    int dead;
    try (ServerSocket s = new ServerSocket(0)) {
      dead = s.getLocalPort();
    }
    try (NamedHttpServer backend = new NamedHttpServer("ov-backend");
        XdsTestServer xds = new XdsTestServer()) {
      String c = "ov-cluster";
      xds.set(Snapshot.create(List.of(edsCluster(c, Cluster.LbPolicy.ROUND_ROBIN)), List.of(endpoints(c, backend.port())),
          List.of(listener(SVC, 80)), List.of(routes(SVC, 80, toCluster(prefix(""), c))), List.of(), "1"));
      try (MeshClient mesh = MeshClient.builder().workload("ov", "default")
          .xdsServers("127.0.0.1:" + dead, xds.address())
          .locality("r", "z", "s")
          .build()) {
        mesh.awaitReady(Duration.ofSeconds(15));
        OkHttpClient http = BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
        try (Response r = http.newCall(new Request.Builder().url("http://ov/").build()).execute()) {
          assertThat(r.body().string()).isEqualTo("ov-backend");
        }
        DiscoveryRequest first = xds.requests().stream().filter(DiscoveryRequest::hasNode).findFirst().orElseThrow();
        assertThat(first.getNode().getLocality().getZone()).isEqualTo("z");
      }
    }
  }
}
