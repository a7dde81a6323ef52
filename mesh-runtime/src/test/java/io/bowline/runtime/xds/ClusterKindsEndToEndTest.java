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
import com.google.protobuf.Duration;
import io.bowline.api.ClientStatus;
import io.bowline.api.MeshClient;
import io.bowline.runtime.adapter.okhttp.BowlineOkHttp;
import io.bowline.runtime.testing.NamedHttpServer;
import io.bowline.runtime.testing.XdsTestServer;
import io.bowline.runtime.xds.resource.TypeUrls;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.extensions.clusters.aggregate.v3.ClusterConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.bowline.runtime.tls.MeshPki;
import io.bowline.tls.Pem;
import io.bowline.tls.WorkloadCertificate;
import java.util.List;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * STRICT_DNS and aggregate clusters route real calls, and SDS secrets named by a cluster's UpstreamTlsContext are
 * requested by name and ACKed, over a real ADS stream (java-control-plane).
 */
class ClusterKindsEndToEndTest {
  private static final String SVC = "dns.default.svc.cluster.local";

  private static Cluster dnsCluster(Cluster.DiscoveryType type, String name, String host, int port) {
    return Cluster.newBuilder()
        .setName(name)
        .setType(type)
        .setDnsRefreshRate(Duration.newBuilder().setNanos(200_000_000))
        .setLoadAssignment(ClusterLoadAssignment.newBuilder().setClusterName(name)
            .addEndpoints(LocalityLbEndpoints.newBuilder().addLbEndpoints(LbEndpoint.newBuilder()
                .setEndpoint(Endpoint.newBuilder().setAddress(Address.newBuilder()
                    .setSocketAddress(SocketAddress.newBuilder().setAddress(host).setPortValue(port)))))))
        .build();
  }

  private static Cluster aggregate(String name, String... children) {
    return Cluster.newBuilder()
        .setName(name)
        .setClusterType(Cluster.CustomClusterType.newBuilder()
            .setName("envoy.clusters.aggregate")
            .setTypedConfig(Any.pack(ClusterConfig.newBuilder().addAllClusters(List.of(children)).build())))
        .build();
  }

  private static Snapshot snapshot(String version, List<Cluster> clusters, List<ClusterLoadAssignment> clas,
      String routeTo, List<Secret> secrets) {
    return Snapshot.create(clusters, clas, List.of(listener(SVC, 80)),
        List.of(routes(SVC, 80, toCluster(prefix(""), routeTo))), secrets, version);
  }

  private static String call(OkHttpClient http) throws Exception {
    try (Response r = http.newCall(new Request.Builder().url("http://dns/").build()).execute()) {
      return r.code() + " " + r.body().string();
    }
  }

  private static ClientStatus.Resource status(MeshClient mesh, String typeUrl, String name) {
    return mesh.status().resources().stream()
        .filter(r -> r.typeUrl().equals(typeUrl) && r.name().equals(name)).findFirst().orElse(null);
  }

  @ParameterizedTest
  @EnumSource(value = Cluster.DiscoveryType.class, names = {"STRICT_DNS", "LOGICAL_DNS"})
  void dnsClusterOnLocalhostRoutes(Cluster.DiscoveryType type) throws Exception {
    try (NamedHttpServer backend = new NamedHttpServer("dns-backend");
        XdsTestServer xds = new XdsTestServer()) {
      xds.set(snapshot("1", List.of(dnsCluster(type, "dns-cluster", "localhost", backend.port())), List.of(),
          "dns-cluster", List.of()));
      try (MeshClient mesh = MeshClient.builder().workload("dns", "default").xdsServer(xds.address()).build()) {
        mesh.awaitReady(java.time.Duration.ofSeconds(10));
        OkHttpClient http = BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
        assertThat(call(http)).isEqualTo("200 dns-backend");
        assertThat(status(mesh, TypeUrls.CLUSTER, "dns-cluster").state()).isEqualTo(ClientStatus.State.ACKED);
      }
    }
  }

  @Test
  void aggregateClusterFailsOverToTheSecondChildWhenTheFirstHasNoHealthyHost() throws Exception {
    try (NamedHttpServer first = new NamedHttpServer("first");
        NamedHttpServer second = new NamedHttpServer("second");
        XdsTestServer xds = new XdsTestServer()) {
      List<Cluster> clusters = List.of(
          edsCluster("primary", Cluster.LbPolicy.ROUND_ROBIN),
          edsCluster("secondary", Cluster.LbPolicy.ROUND_ROBIN),
          aggregate("agg", "primary", "secondary"));
      xds.set(snapshot("1", clusters,
          List.of(endpoints("primary", first.port()), endpoints("secondary", second.port())), "agg", List.of()));
      try (MeshClient mesh = MeshClient.builder().workload("agg", "default").xdsServer(xds.address()).build()) {
        mesh.awaitReady(java.time.Duration.ofSeconds(10));
        OkHttpClient http = BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
        assertThat(call(http)).isEqualTo("200 first");

        ClusterLoadAssignment unhealthy = endpoints("primary", first.port()).toBuilder()
            .setEndpoints(0, endpoints("primary", first.port()).getEndpoints(0).toBuilder()
                .setLbEndpoints(0, endpoints("primary", first.port()).getEndpoints(0).getLbEndpoints(0).toBuilder()
                    .setHealthStatus(io.envoyproxy.envoy.config.core.v3.HealthStatus.UNHEALTHY)))
            .build();
        xds.set(snapshot("2", clusters, List.of(unhealthy, endpoints("secondary", second.port())), "agg", List.of()));
        await().untilAsserted(() -> assertThat(call(http)).isEqualTo("200 second"));

        xds.set(snapshot("3", clusters,
            List.of(endpoints("primary", first.port()), endpoints("secondary", second.port())), "agg", List.of()));
        await().untilAsserted(() -> assertThat(call(http)).isEqualTo("200 first"));
      }
    }
  }

  /** SDS over both ADS variants: the secrets a cluster's UpstreamTlsContext names are requested by name and ACKed. */
  @ParameterizedTest(name = "delta={0}")
  @ValueSource(booleans = {false, true})
  void secretsNamedByAClusterAreRequestedByNameAndAcked(boolean delta) throws Exception {
    UpstreamTlsContext tls = UpstreamTlsContext.newBuilder()
        .setCommonTlsContext(CommonTlsContext.newBuilder()
            .addTlsCertificateSdsSecretConfigs(SdsSecretConfig.newBuilder().setName("client-cert").setSdsConfig(ADS))
            .setValidationContextSdsSecretConfig(SdsSecretConfig.newBuilder().setName("ROOTCA").setSdsConfig(ADS)))
        .build();
    Cluster withTls = edsCluster("tls-cluster", Cluster.LbPolicy.ROUND_ROBIN).toBuilder()
        .setTransportSocket(TransportSocket.newBuilder()
            .setName("envoy.transport_sockets.tls").setTypedConfig(Any.pack(tls)))
        .build();
    WorkloadCertificate issued = new MeshPki().issue("sds");
    Secret cert = Secret.newBuilder().setName("client-cert")
        .setTlsCertificate(TlsCertificate.newBuilder()
            .setCertificateChain(DataSource.newBuilder().setInlineString(Pem.encode(issued.chain())))
            .setPrivateKey(DataSource.newBuilder().setInlineString(Pem.encode(issued.privateKey()))))
        .build();
    Secret roots = Secret.newBuilder().setName("ROOTCA").setValidationContext(CertificateValidationContext.newBuilder()
        .setTrustedCa(DataSource.newBuilder().setInlineString(Pem.encode(issued.trustBundle())))).build();
    try (NamedHttpServer backend = new NamedHttpServer("tls-backend");
        XdsTestServer xds = new XdsTestServer()) {
      xds.set(snapshot("1", List.of(withTls), List.of(endpoints("tls-cluster", backend.port())), "tls-cluster",
          List.of(cert, roots)));
      try (MeshClient mesh = MeshClient.builder().workload("sds", "default").xdsServer(xds.address())
          .deltaXds(delta).build()) {
        mesh.awaitReady(java.time.Duration.ofSeconds(10));
        if (delta) {
          await().untilAsserted(() -> assertThat(xds.deltaRequests()).anySatisfy(r -> {
            assertThat(r.getTypeUrl()).isEqualTo(TypeUrls.SECRET);
            assertThat(r.getResourceNamesSubscribeList()).containsExactlyInAnyOrder("client-cert", "ROOTCA");
          }));
        } else {
          await().untilAsserted(() -> assertThat(xds.requests()).anySatisfy(r -> {
            assertThat(r.getTypeUrl()).isEqualTo(TypeUrls.SECRET);
            assertThat(r.getResourceNamesList()).containsExactlyInAnyOrder("client-cert", "ROOTCA");
          }));
        }
        await().untilAsserted(() -> {
          for (String name : List.of("client-cert", "ROOTCA")) {
            assertThat(status(mesh, TypeUrls.SECRET, name)).as(name).isNotNull();
            assertThat(status(mesh, TypeUrls.SECRET, name).state()).as(name).isEqualTo(ClientStatus.State.ACKED);
          }
        });
      }
    }
  }
}
