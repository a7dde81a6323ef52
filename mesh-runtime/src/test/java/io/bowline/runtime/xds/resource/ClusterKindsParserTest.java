package io.bowline.runtime.xds.resource;

import static io.bowline.runtime.testing.EnvoyResources.ADS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import io.bowline.api.config.Cluster;
import io.bowline.api.config.ClusterOptions;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.ApiConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.extensions.clusters.aggregate.v3.ClusterConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import org.junit.jupiter.api.Test;

/** Validation of DNS, aggregate and TLS-secret parts of CDS clusters: rejects name the field. */
class ClusterKindsParserTest {
  private final ClusterResourceType type = new ClusterResourceType();

  private static io.envoyproxy.envoy.config.cluster.v3.Cluster dns(
      io.envoyproxy.envoy.config.cluster.v3.Cluster.DiscoveryType t, String... hosts) {
    LocalityLbEndpoints.Builder l = LocalityLbEndpoints.newBuilder();
    for (String h : hosts) {
      l.addLbEndpoints(LbEndpoint.newBuilder().setEndpoint(Endpoint.newBuilder().setAddress(Address.newBuilder()
          .setSocketAddress(SocketAddress.newBuilder().setAddress(h).setPortValue(80)))));
    }
    return io.envoyproxy.envoy.config.cluster.v3.Cluster.newBuilder().setName("d").setType(t)
        .setLoadAssignment(ClusterLoadAssignment.newBuilder().setClusterName("d").addEndpoints(l)).build();
  }

  private static io.envoyproxy.envoy.config.cluster.v3.Cluster aggregate(String name, Any config) {
    return io.envoyproxy.envoy.config.cluster.v3.Cluster.newBuilder().setName("agg")
        .setClusterType(io.envoyproxy.envoy.config.cluster.v3.Cluster.CustomClusterType.newBuilder()
            .setName(name).setTypedConfig(config)).build();
  }

  @Test
  void dnsClustersKeepTheirHostsAndRefreshRate() throws Exception {
    Cluster strict = type.parse(dns(io.envoyproxy.envoy.config.cluster.v3.Cluster.DiscoveryType.STRICT_DNS, "a", "b")
        .toBuilder().setDnsRefreshRate(Duration.newBuilder().setSeconds(2)).build());
    assertThat(strict.type()).isEqualTo(Cluster.DiscoveryType.STRICT_DNS);
    assertThat(strict.optionsOrNone().dnsRefreshRateMs()).isEqualTo(2000);
    Cluster logical = type.parse(dns(io.envoyproxy.envoy.config.cluster.v3.Cluster.DiscoveryType.LOGICAL_DNS, "a"));
    assertThat(logical.optionsOrNone().dnsRefreshRateMs()).isEqualTo(5000);
    assertThatThrownBy(() -> type.parse(dns(io.envoyproxy.envoy.config.cluster.v3.Cluster.DiscoveryType.LOGICAL_DNS, "a", "b")))
        .isInstanceOf(ResourceException.class).hasMessageContaining("load_assignment.endpoints");
    assertThatThrownBy(() -> type.parse(dns(io.envoyproxy.envoy.config.cluster.v3.Cluster.DiscoveryType.STRICT_DNS)))
        .isInstanceOf(ResourceException.class).hasMessageContaining("load_assignment.endpoints");
  }

  @Test
  void theUpstreamProtocolIsHttp11UnlessTheHttpProtocolOptionsSayHttp2OrTheDownstreamOnes() throws Exception {
    var plain = dns(io.envoyproxy.envoy.config.cluster.v3.Cluster.DiscoveryType.STRICT_DNS, "a");
    String key = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";
    var h2 = io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.newBuilder()
        .setExplicitHttpConfig(io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.ExplicitHttpConfig
            .newBuilder().setHttp2ProtocolOptions(io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions.getDefaultInstance()))
        .build();
    var downstream = io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.newBuilder()
        .setUseDownstreamProtocolConfig(
            io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.UseDownstreamHttpConfig.getDefaultInstance())
        .build();
    var auto = io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.newBuilder()
        .setAutoConfig(io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.AutoHttpConfig.getDefaultInstance())
        .build();

    assertThat(type.parse(plain).optionsOrNone().httpProtocol()).isEqualTo(ClusterOptions.HttpProtocol.HTTP1);
    assertThat(type.parse(plain.toBuilder().putTypedExtensionProtocolOptions(key, Any.pack(h2)).build())
        .optionsOrNone().httpProtocol()).isEqualTo(ClusterOptions.HttpProtocol.HTTP2);
    assertThat(type.parse(plain.toBuilder().putTypedExtensionProtocolOptions(key, Any.pack(downstream)).build())
        .optionsOrNone().httpProtocol()).isEqualTo(ClusterOptions.HttpProtocol.USE_DOWNSTREAM);
    assertThatThrownBy(() -> type.parse(plain.toBuilder().putTypedExtensionProtocolOptions(key, Any.pack(auto)).build()))
        .isInstanceOf(ResourceException.class).hasMessageContaining("auto_config");
  }

  @Test
  void connectTimeoutDefaultsToFiveSecondsAndMustBePositive() throws Exception {
    var plain = dns(io.envoyproxy.envoy.config.cluster.v3.Cluster.DiscoveryType.STRICT_DNS, "a");
    assertThat(type.parse(plain).optionsOrNone().connectTimeoutMs()).isEqualTo(5000);
    assertThat(type.parse(plain.toBuilder().setConnectTimeout(Duration.newBuilder().setSeconds(10)).build())
        .optionsOrNone().connectTimeoutMs()).isEqualTo(10_000);
    assertThatThrownBy(() -> type.parse(plain.toBuilder().setConnectTimeout(Duration.newBuilder().setNanos(1000)).build()))
        .isInstanceOf(ResourceException.class).hasMessageContaining("connect_timeout");
  }

  @Test
  void aggregateClustersNeedTheAggregateConfigWithDistinctChildren() throws Exception {
    Cluster ok = type.parse(aggregate("envoy.clusters.aggregate",
        Any.pack(ClusterConfig.newBuilder().addClusters("x").addClusters("y").build())));
    assertThat(ok.type()).isEqualTo(Cluster.DiscoveryType.AGGREGATE);
    assertThat(ok.optionsOrNone().aggregateClusters()).containsExactly("x", "y");
    var clusterProvided = aggregate("envoy.clusters.aggregate",
        Any.pack(ClusterConfig.newBuilder().addClusters("x").build())).toBuilder()
        .setLbPolicy(io.envoyproxy.envoy.config.cluster.v3.Cluster.LbPolicy.CLUSTER_PROVIDED).build();
    assertThat(type.parse(clusterProvided).type()).as("Envoy's examples set CLUSTER_PROVIDED").isEqualTo(Cluster.DiscoveryType.AGGREGATE);
    assertThatThrownBy(() -> type.parse(aggregate("envoy.clusters.redis", Any.getDefaultInstance())))
        .hasMessageContaining("cluster_type.name");
    assertThatThrownBy(() -> type.parse(aggregate("envoy.clusters.aggregate", Any.pack(ClusterLoadAssignment.getDefaultInstance()))))
        .hasMessageContaining("cluster_type.typed_config");
    assertThatThrownBy(() -> type.parse(aggregate("envoy.clusters.aggregate", Any.pack(ClusterConfig.getDefaultInstance()))))
        .hasMessageContaining("cluster_type.typed_config.clusters");
    assertThatThrownBy(() -> type.parse(aggregate("envoy.clusters.aggregate",
        Any.pack(ClusterConfig.newBuilder().addClusters("x").addClusters("x").build()))))
        .hasMessageContaining("cluster_type.typed_config.clusters[1]");
  }

  /** SDS secrets of the TLS context come over ADS; the cluster subscribes to both. */
  @Test
  void sdsSecretsOfTheTlsContextMustComeOverAds() throws Exception {
    var base = io.envoyproxy.envoy.config.cluster.v3.Cluster.newBuilder().setName("t")
        .setType(io.envoyproxy.envoy.config.cluster.v3.Cluster.DiscoveryType.EDS)
        .setEdsClusterConfig(io.envoyproxy.envoy.config.cluster.v3.Cluster.EdsClusterConfig.newBuilder().setEdsConfig(ADS));
    var ok = base.clone().setTransportSocket(tls(SdsSecretConfig.newBuilder().setName("cert").setSdsConfig(ADS))).build();
    assertThat(type.parse(ok).optionsOrNone().sdsSecretNames()).containsExactly("cert", "ROOTCA");
    var grpc = ConfigSource.newBuilder().setApiConfigSource(ApiConfigSource.newBuilder()
        .setApiType(ApiConfigSource.ApiType.GRPC)).build();
    var viaGrpc = base.clone().setTransportSocket(tls(SdsSecretConfig.newBuilder().setName("cert").setSdsConfig(grpc))).build();
    assertThatThrownBy(() -> type.parse(viaGrpc))
        .hasMessageContaining("transport_socket.typed_config.common_tls_context.tls_certificate_sds_secret_configs[0].sds_config");
  }

  private static TransportSocket tls(SdsSecretConfig.Builder sds) {
    return TransportSocket.newBuilder().setName("envoy.transport_sockets.tls").setTypedConfig(Any.pack(
        UpstreamTlsContext.newBuilder().setCommonTlsContext(CommonTlsContext.newBuilder()
            .addTlsCertificateSdsSecretConfigs(sds)
            .setValidationContextSdsSecretConfig(SdsSecretConfig.newBuilder().setName("ROOTCA").setSdsConfig(ADS)))
            .build())).build();
  }
}
