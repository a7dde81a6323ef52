package io.bowline.runtime.xds;

import static io.bowline.runtime.testing.EnvoyResources.ADS;
import static io.bowline.runtime.testing.EnvoyResources.edsCluster;
import static io.bowline.runtime.testing.EnvoyResources.endpoints;
import static io.bowline.runtime.testing.EnvoyResources.listener;
import static io.bowline.runtime.testing.EnvoyResources.prefix;
import static io.bowline.runtime.testing.EnvoyResources.routes;
import static io.bowline.runtime.testing.EnvoyResources.toCluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import io.bowline.api.ClientStatus;
import io.bowline.api.MeshClient;
import io.bowline.runtime.adapter.okhttp.BowlineOkHttp;
import io.bowline.runtime.testing.ScriptedHttpServer;
import io.bowline.runtime.testing.XdsTestServer;
import io.bowline.runtime.xds.resource.TypeUrls;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Never fail open: a cluster whose {@code transport_socket} asks for TLS that cannot be satisfied (here: no
 * trusted CA, so the server could not be verified) is NACKed over a real ADS
 * stream (java-control-plane) with an {@code error_detail} naming the cluster and the field, its SDS
 * secrets are not requested, the last good version of the cluster keeps serving, and with no good
 * version nothing reaches the endpoint in plaintext.
 */
class TlsClusterRefusalTest {
  private static final String SVC = "secure.default.svc.cluster.local";
  private static final String CLUSTER = "outbound|80||" + SVC;

  private static Cluster plaintext() {
    return edsCluster(CLUSTER, Cluster.LbPolicy.ROUND_ROBIN);
  }

  private static Cluster tls() {
    UpstreamTlsContext tls = UpstreamTlsContext.newBuilder()
        .setCommonTlsContext(CommonTlsContext.newBuilder()
            .addTlsCertificateSdsSecretConfigs(SdsSecretConfig.newBuilder().setName("default").setSdsConfig(ADS)))
        .build();
    return plaintext().toBuilder().setTransportSocket(TransportSocket.newBuilder()
        .setName("envoy.transport_sockets.tls").setTypedConfig(Any.pack(tls))).build();
  }

  private static Snapshot snapshot(String version, Cluster cluster, int port) {
    return Snapshot.create(List.of(cluster), List.of(endpoints(CLUSTER, port)), List.of(listener(SVC, 80)),
        List.of(routes(SVC, 80, toCluster(prefix(""), CLUSTER))), List.of(), version);
  }

  private static int call(OkHttpClient http) throws Exception {
    try (Response r = http.newCall(new Request.Builder().url("http://secure/").build()).execute()) {
      return r.code();
    }
  }

  /** The NACK messages the server received for CDS, whichever protocol variant the client spoke. */
  private static Stream<String> cdsNacks(XdsTestServer xds) {
    return Stream.concat(
        xds.requests().stream().filter(r -> r.getTypeUrl().equals(TypeUrls.CLUSTER) && r.hasErrorDetail())
            .map(r -> r.getErrorDetail().getMessage()),
        xds.deltaRequests().stream().filter(r -> r.getTypeUrl().equals(TypeUrls.CLUSTER) && r.hasErrorDetail())
            .map(r -> r.getErrorDetail().getMessage()));
  }

  private static boolean secretsRequested(XdsTestServer xds) {
    return xds.requests().stream().anyMatch(r -> r.getTypeUrl().equals(TypeUrls.SECRET) && r.getResourceNamesCount() > 0)
        || xds.deltaRequests().stream().anyMatch(r -> r.getTypeUrl().equals(TypeUrls.SECRET)
            && r.getResourceNamesSubscribeCount() > 0);
  }

  @ParameterizedTest(name = "delta={0}")
  @ValueSource(booleans = {false, true})
  void aTlsClusterIsNackedNamingClusterAndFieldAndTheLastGoodOneKeepsServing(boolean delta) throws Exception {
    try (ScriptedHttpServer backend = new ScriptedHttpServer("backend");
        XdsTestServer xds = new XdsTestServer()) {
      xds.set(snapshot("1", plaintext(), backend.port()));
      try (MeshClient mesh = MeshClient.builder().workload("client", "default").xdsServer(xds.address())
          .deltaXds(delta).build()) {
        mesh.awaitReady(Duration.ofSeconds(30));
        OkHttpClient http = BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
        assertThat(call(http)).isEqualTo(200);

        xds.set(snapshot("2", tls(), backend.port()));
        await().atMost(Duration.ofSeconds(10)).until(() -> cdsNacks(xds).findAny().isPresent());
        assertThat(cdsNacks(xds)).containsOnly("Cluster '" + CLUSTER + "': transport_socket.typed_config."
            + "common_tls_context.validation_context: no trusted CA (ca_certificate_provider_instance or an SDS "
            + "validation context) is set: the server could not be verified; refusing to connect");
        ClientStatus.Resource cluster = mesh.status().resources().stream()
            .filter(r -> r.typeUrl().equals(TypeUrls.CLUSTER) && r.name().equals(CLUSTER)).findFirst().orElseThrow();
        assertThat(cluster.state()).isEqualTo(ClientStatus.State.NACKED);
        assertThat(call(http)).as("the last good (plaintext) cluster keeps serving").isEqualTo(200);
        assertThat(secretsRequested(xds)).as("no SDS subscription for a refused cluster").isFalse();
      }
    }
  }

  @ParameterizedTest(name = "delta={0}")
  @ValueSource(booleans = {false, true})
  void withNoGoodVersionACallToATlsClusterNeverReachesTheEndpointInPlaintext(boolean delta) throws Exception {
    try (ScriptedHttpServer backend = new ScriptedHttpServer("backend");
        XdsTestServer xds = new XdsTestServer()) {
      xds.set(snapshot("1", tls(), backend.port()));
      try (MeshClient mesh = MeshClient.builder().workload("client", "default").xdsServer(xds.address())
          .deltaXds(delta).initialFetchTimeout(Duration.ofSeconds(1)).build()) {
        await().atMost(Duration.ofSeconds(10)).until(() -> cdsNacks(xds).findAny().isPresent());
        OkHttpClient http = BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
        assertThat(call(http)).isEqualTo(503);
        assertThat(backend.requestCount()).as("nothing sent in plaintext").isZero();
      }
    }
  }
}
