package io.bowline.runtime.xds.resource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import io.bowline.api.config.SocketListener;
import io.bowline.api.config.UpstreamTls;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateProviderPluginInstance;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A gateway's socket listeners as istiod's gateway generator writes them: read by a {@code router~} node's
 * listener type (filter chains by SNI, SDS TLS contexts, RDS names), ignored by a sidecar's, and NACKed naming
 * the field when they ask for what a gateway cannot do.
 */
class SocketListenerParsingTest {
  private static final ConfigSource ADS = ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance()).build();

  private static Filter hcm(String rds) {
    HttpConnectionManager m = HttpConnectionManager.newBuilder()
        .setRds(Rds.newBuilder().setConfigSource(ADS).setRouteConfigName(rds))
        .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router").setTypedConfig(Any.pack(Router.getDefaultInstance())))
        .build();
    return Filter.newBuilder().setName("envoy.filters.network.http_connection_manager").setTypedConfig(Any.pack(m)).build();
  }

  private static FilterChain tlsChain(String host, String credential) {
    DownstreamTlsContext tls = DownstreamTlsContext.newBuilder().setCommonTlsContext(CommonTlsContext.newBuilder()
        .addTlsCertificateSdsSecretConfigs(SdsSecretConfig.newBuilder().setName(credential).setSdsConfig(ADS)))
        .setRequireClientCertificate(BoolValue.of(false)).build();
    return FilterChain.newBuilder().setFilterChainMatch(FilterChainMatch.newBuilder().addServerNames(host))
        .setTransportSocket(TransportSocket.newBuilder().setName("envoy.transport_sockets.tls").setTypedConfig(Any.pack(tls)))
        .addFilters(hcm("https.443." + host)).build();
  }

  private static Listener.Builder listener443() {
    return Listener.newBuilder().setName("0.0.0.0_443")
        .setAddress(Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress("0.0.0.0").setPortValue(443)))
        .addListenerFilters(ListenerFilter.newBuilder().setName("envoy.filters.listener.tls_inspector")
            .setTypedConfig(Any.pack(io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector.getDefaultInstance())))
        .addFilterChains(tlsChain("secure.example.com", "kubernetes://secure"))
        .addFilterChains(tlsChain("*.example.com", "kubernetes://wildcard"));
  }

  @Test
  void aRouterNodeReadsFilterChainsTheirSniTheirSdsCertificateAndTheirRouteConfiguration() throws Exception {
    SocketListener l = (SocketListener) new ListenerResourceType(true).parse(listener443().build());

    assertThat(l.port()).isEqualTo(443);
    assertThat(l.inspectsSni()).isTrue();
    assertThat(l.select("secure.example.com").tls().certificateSecret()).isEqualTo("kubernetes://secure");
    assertThat(l.select("other.example.com").tls().certificateSecret()).isEqualTo("kubernetes://wildcard");
    assertThat(l.select("other.example.com").http().routeConfigName()).isEqualTo("https.443.*.example.com");
    assertThat(l.select("example.org")).isNull();
    assertThat(l.select(null)).isNull();
  }

  @Test
  @SuppressWarnings("deprecation")
  void anIstioMutualChainTakesItsCertificateAndRootsFromProviderInstancesInTheCurrentAndDeprecatedFields()
      throws Exception {
    var spiffe = io.envoyproxy.envoy.type.matcher.v3.StringMatcher.newBuilder().setPrefix("spiffe://cluster.local/");
    CommonTlsContext current = CommonTlsContext.newBuilder()
        .setTlsCertificateProviderInstance(CertificateProviderPluginInstance.newBuilder()
            .setInstanceName("default").setCertificateName("default"))
        .setCombinedValidationContext(CommonTlsContext.CombinedCertificateValidationContext.newBuilder()
            .setDefaultValidationContext(CertificateValidationContext.newBuilder().addMatchSubjectAltNames(spiffe)
                .setCaCertificateProviderInstance(CertificateProviderPluginInstance.newBuilder()
                    .setInstanceName("default").setCertificateName("ROOTCA"))))
        .addAlpnProtocols("http/1.1").build();
    CommonTlsContext deprecated = CommonTlsContext.newBuilder()
        .setTlsCertificateCertificateProviderInstance(CommonTlsContext.CertificateProviderInstance.newBuilder()
            .setInstanceName("default").setCertificateName("default"))
        .setValidationContextCertificateProviderInstance(CommonTlsContext.CertificateProviderInstance.newBuilder()
            .setInstanceName("default").setCertificateName("ROOTCA")).build();
    for (CommonTlsContext common : List.of(current, deprecated)) {
      DownstreamTlsContext tls = DownstreamTlsContext.newBuilder().setCommonTlsContext(common)
          .setRequireClientCertificate(BoolValue.of(true)).build();
      Listener l = listener443().setFilterChains(0, FilterChain.newBuilder()
          .setFilterChainMatch(FilterChainMatch.newBuilder().addServerNames("mesh.example.com"))
          .setTransportSocket(TransportSocket.newBuilder().setName("envoy.transport_sockets.tls")
              .setTypedConfig(Any.pack(tls)))
          .addFilters(hcm("https.443.mesh"))).build();

      SocketListener.DownstreamTls parsed =
          ((SocketListener) new ListenerResourceType(true).parse(l)).select("mesh.example.com").tls();

      assertThat(parsed.certificateSecret()).isNull();
      assertThat(parsed.requireClientCertificate()).isTrue();
      assertThat(parsed.verifiesClients()).isTrue();
      assertThat(parsed.providers().certificate()).isEqualTo(UpstreamTls.Source.provider("default", "default"));
      assertThat(parsed.providers().roots()).isEqualTo(UpstreamTls.Source.provider("default", "ROOTCA"));
    }
    assertThat(((SocketListener) new ListenerResourceType(true).parse(listener443().build()))
        .select("secure.example.com").tls().providers()).isNull();
  }

  @Test
  void aSidecarIgnoresSocketListeners() throws Exception {
    assertThat(new ListenerResourceType(false).parse(listener443().build())).isNull();
  }

  @Test
  void whatAGatewayCannotHonourIsNackedNamingTheField() {
    Listener otherListenerFilter = listener443().addListenerFilters(ListenerFilter.newBuilder()
        .setName("envoy.filters.listener.http_inspector")).build();
    assertThatThrownBy(() -> new ListenerResourceType(true).parse(otherListenerFilter))
        .isInstanceOf(ResourceException.class).hasMessageContaining("listener_filters[1]");

    Listener portMatch = listener443().setFilterChains(0, tlsChain("a.example.com", "kubernetes://a").toBuilder()
        .setFilterChainMatch(FilterChainMatch.newBuilder().setTransportProtocol("tls"))).build();
    assertThatThrownBy(() -> new ListenerResourceType(true).parse(portMatch))
        .isInstanceOf(ResourceException.class).hasMessageContaining("filter_chains[0].filter_chain_match");

    Listener providerCertificate = listener443().setFilterChains(0, FilterChain.newBuilder()
        .setTransportSocket(TransportSocket.newBuilder().setName("envoy.transport_sockets.tls")
            .setTypedConfig(Any.pack(DownstreamTlsContext.getDefaultInstance())))
        .addFilters(hcm("https.443.x"))).build();
    assertThatThrownBy(() -> new ListenerResourceType(true).parse(providerCertificate))
        .isInstanceOf(ResourceException.class).hasMessageContaining("tls_certificate_sds_secret_configs");
  }
}
