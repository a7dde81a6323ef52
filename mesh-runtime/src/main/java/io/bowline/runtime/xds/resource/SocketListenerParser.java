package io.bowline.runtime.xds.resource;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.bowline.api.config.Listener;
import io.bowline.api.config.SocketListener;
import io.bowline.api.config.StringMatcher;
import io.bowline.api.config.UpstreamTls;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a gateway's socket listener into a {@link SocketListener}, NACKing what the gateway cannot honour
 * (rather than serving it differently): listener filters other than {@code tls_inspector}; a
 * {@code default_filter_chain} or {@code filter_chain_matcher}; filter chain matches on anything but
 * {@code server_names}; transport sockets other than plaintext and a {@code DownstreamTlsContext} whose
 * certificate and CA come over SDS or (ISTIO_MUTUAL) from certificate provider instances; network filters other than one {@code http_connection_manager} or one
 * {@code tcp_proxy} per chain.
 */
final class SocketListenerParser {
  private static final String TLS_INSPECTOR_TYPE =
      "type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector";
  private static final String TCP_PROXY_TYPE =
      "type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy";
  private static final String DOWNSTREAM_TLS_TYPE =
      "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext";
  private static final String RAW_BUFFER_TYPE =
      "type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer";

  private SocketListenerParser() {}

  /**
   * Whether every filter chain of {@code proto} is one {@code tcp_proxy} and nothing else (no transport socket,
   * no chain match beyond none): a sidecar's outbound TCP listener.
   */
  static boolean isTcpProxyOnly(io.envoyproxy.envoy.config.listener.v3.Listener proto) {
    return proto.hasAddress() && proto.getFilterChainsCount() > 0 && proto.getFilterChainsList().stream()
        .allMatch(c -> c.getFiltersCount() == 1 && !c.hasTransportSocket()
            && c.getFilters(0).getTypedConfig().getTypeUrl().equals(TCP_PROXY_TYPE));
  }

  static SocketListener parse(io.envoyproxy.envoy.config.listener.v3.Listener proto, ListenerResourceType hcm)
      throws ResourceException {
    if (!proto.getAddress().hasSocketAddress()) {
      throw new ResourceException("address.socket_address", "required for a socket listener");
    }
    SocketAddress address = proto.getAddress().getSocketAddress();
    if (address.getPortSpecifierCase() != SocketAddress.PortSpecifierCase.PORT_VALUE
        || address.getPortValue() < 1 || address.getPortValue() > 65535) {
      throw new ResourceException("address.socket_address.port_value", "must be 1 to 65535");
    }
    for (int i = 0; i < proto.getListenerFiltersCount(); i++) {
      ListenerFilter f = proto.getListenerFilters(i);
      if (!f.getTypedConfig().getTypeUrl().equals(TLS_INSPECTOR_TYPE)) {
        throw new ResourceException("listener_filters[" + i + "]", "listener filter \"" + f.getName()
            + "\" is not supported (only envoy.filters.listener.tls_inspector)");
      }
    }
    if (proto.hasDefaultFilterChain()) {
      throw new ResourceException("default_filter_chain", "not supported");
    }
    if (proto.hasFilterChainMatcher()) {
      throw new ResourceException("filter_chain_matcher", "not supported (use filter_chains[].filter_chain_match)");
    }
    if (proto.getFilterChainsCount() == 0) {
      throw new ResourceException("filter_chains", "must not be empty");
    }
    List<SocketListener.FilterChain> chains = new ArrayList<>();
    for (int i = 0; i < proto.getFilterChainsCount(); i++) {
      chains.add(chain(proto.getFilterChains(i), proto.getName(), "filter_chains[" + i + "]", hcm));
    }
    return new SocketListener(proto.getName(), address.getAddress(), address.getPortValue(), chains);
  }

  private static SocketListener.FilterChain chain(FilterChain c, String listener, String at, ListenerResourceType hcm)
      throws ResourceException {
    FilterChainMatch m = c.getFilterChainMatch();
    if (!m.toBuilder().clearServerNames().build().equals(FilterChainMatch.getDefaultInstance())) {
      throw new ResourceException(at + ".filter_chain_match", "only server_names is supported");
    }
    SocketListener.DownstreamTls tls = c.hasTransportSocket() ? tls(c.getTransportSocket(), at + ".transport_socket")
        : null;
    if (c.getFiltersCount() != 1) {
      throw new ResourceException(at + ".filters", "exactly one network filter (http_connection_manager or tcp_proxy)"
          + " is supported, got " + c.getFiltersCount());
    }
    Filter f = c.getFilters(0);
    String fat = at + ".filters[0].typed_config";
    Any config = f.getTypedConfig();
    if (config.getTypeUrl().equals(TypeUrls.HTTP_CONNECTION_MANAGER)) {
      Listener http = hcm.httpConnectionManager(config, listener, fat);
      return new SocketListener.FilterChain(m.getServerNamesList(), tls, http, null);
    }
    if (config.getTypeUrl().equals(TCP_PROXY_TYPE)) {
      if (tls != null) {
        throw new ResourceException(at + ".transport_socket", "TLS termination before tcp_proxy is not supported");
      }
      return new SocketListener.FilterChain(m.getServerNamesList(), null, null, tcpProxy(config, fat));
    }
    throw new ResourceException(fat, "network filter \"" + f.getName() + "\" (" + config.getTypeUrl()
        + ") is not supported");
  }

  private static SocketListener.TcpProxy tcpProxy(Any any, String at) throws ResourceException {
    TcpProxy p = unpack(any, TcpProxy.getDescriptor(), TcpProxy.parser(), at);
    List<SocketListener.WeightedCluster> clusters = new ArrayList<>();
    switch (p.getClusterSpecifierCase()) {
      case CLUSTER -> clusters.add(new SocketListener.WeightedCluster(p.getCluster(), 1));
      case WEIGHTED_CLUSTERS -> {
        for (var w : p.getWeightedClusters().getClustersList()) {
          if (w.getWeight() > 0) {
            clusters.add(new SocketListener.WeightedCluster(w.getName(), w.getWeight()));
          }
        }
      }
      default -> throw new ResourceException(at + ".cluster_specifier", "required");
    }
    if (clusters.isEmpty() || clusters.stream().anyMatch(w -> w.name().isEmpty())) {
      throw new ResourceException(at + ".cluster_specifier", "needs a cluster name (and a positive weight)");
    }
    List<io.bowline.api.config.HttpTelemetry.AccessLog> logs = new ArrayList<>();
    for (int i = 0; i < p.getAccessLogCount(); i++) {
      try {
        logs.add(HcmTelemetryParser.accessLog(p.getAccessLog(i)));
      } catch (ResourceException e) {
        throw e.within(at + ".access_log[" + i + "]");
      }
    }
    return new SocketListener.TcpProxy(clusters, logs);
  }

  private static SocketListener.DownstreamTls tls(TransportSocket socket, String at) throws ResourceException {
    String type = socket.getTypedConfig().getTypeUrl();
    if (type.equals(RAW_BUFFER_TYPE) || (type.isEmpty() && !socket.getName().endsWith(".tls"))) {
      return null;
    }
    if (!type.equals(DOWNSTREAM_TLS_TYPE)) {
      throw new ResourceException(at, "transport socket " + socket.getName() + " (" + type + ") is not supported");
    }
    DownstreamTlsContext d = unpack(socket.getTypedConfig(), DownstreamTlsContext.getDescriptor(), DownstreamTlsContext.parser(), at + ".typed_config");
    String dat = at + ".typed_config.common_tls_context";
    CommonTlsContext common = d.getCommonTlsContext();
    if (common.hasTlsCertificateProviderInstance() || common.hasTlsCertificateCertificateProviderInstance()) {
      return providerTls(d, at);
    }
    if (common.getTlsCertificateSdsSecretConfigsCount() != 1) {
      throw new ResourceException(dat + ".tls_certificate_sds_secret_configs",
          "exactly one SDS certificate is supported, got " + common.getTlsCertificateSdsSecretConfigsCount()
              + (common.getTlsCertificatesCount() > 0 ? " (inline tls_certificates are not supported)" : ""));
    }
    String certificate = sdsName(common.getTlsCertificateSdsSecretConfigs(0),
        dat + ".tls_certificate_sds_secret_configs[0]");
    String validation = null;
    List<StringMatcher> sans = new ArrayList<>();
    switch (common.getValidationContextTypeCase()) {
      case COMBINED_VALIDATION_CONTEXT -> {
        var combined = common.getCombinedValidationContext();
        String cat = dat + ".combined_validation_context";
        if (!combined.hasValidationContextSdsSecretConfig()) {
          throw new ResourceException(cat + ".validation_context_sds_secret_config", "required");
        }
        validation = sdsName(combined.getValidationContextSdsSecretConfig(), cat + ".validation_context_sds_secret_config");
        CertificateValidationContext v = combined.getDefaultValidationContext();
        for (int i = 0; i < v.getMatchSubjectAltNamesCount(); i++) {
          sans.add(RouteParser.stringMatcher(v.getMatchSubjectAltNames(i),
              cat + ".default_validation_context.match_subject_alt_names[" + i + "]"));
        }
        if (v.getMatchTypedSubjectAltNamesCount() > 0 || v.hasTrustedCa()) {
          throw new ResourceException(cat + ".default_validation_context",
              "only match_subject_alt_names is supported");
        }
      }
      case VALIDATION_CONTEXT_SDS_SECRET_CONFIG -> validation = sdsName(common.getValidationContextSdsSecretConfig(),
          dat + ".validation_context_sds_secret_config");
      case VALIDATIONCONTEXTTYPE_NOT_SET -> { }
      default -> throw new ResourceException(dat + ".validation_context_type",
          common.getValidationContextTypeCase() + " is not supported (give the CA over SDS)");
    }
    boolean require = d.hasRequireClientCertificate() && d.getRequireClientCertificate().getValue();
    if (require && validation == null) {
      throw new ResourceException(at + ".typed_config.require_client_certificate",
          "a client certificate is required but no validation context says which CA it must chain to");
    }
    return new SocketListener.DownstreamTls(certificate, validation, require, sans, common.getAlpnProtocolsList());
  }

  /**
   * ISTIO_MUTUAL: the certificate and roots from the runtime's certificate provider instances (the current and
   * deprecated fields, as for upstream contexts); the instance names are checked when the gateway serves the
   * chain, since a listener resource is parsed before the node's providers are known.
   */
  private static SocketListener.DownstreamTls providerTls(DownstreamTlsContext d, String at) throws ResourceException {
    UpstreamTls common = UpstreamTlsParser.parse(
        UpstreamTlsContext.newBuilder().setCommonTlsContext(d.getCommonTlsContext()).build(),
        at + ".typed_config", InboundListenerParser.ANY_INSTANCE);
    if (common.roots().kind() != UpstreamTls.Kind.PROVIDER_INSTANCE
        || common.certificate().kind() != UpstreamTls.Kind.PROVIDER_INSTANCE) {
      throw new ResourceException(at + ".typed_config.common_tls_context",
          "a certificate provider instance certificate needs its roots from a certificate provider instance too");
    }
    return new SocketListener.DownstreamTls(null, null, d.getRequireClientCertificate().getValue(),
        common.subjectAltNames(), common.alpn(), common);
  }

  private static String sdsName(SdsSecretConfig sds, String at) throws ResourceException {
    if (sds.getName().isEmpty()) {
      throw new ResourceException(at + ".name", "must not be empty");
    }
    if (sds.hasSdsConfig()) {
      ConfigSources.requireAds(sds.getSdsConfig(), at + ".sds_config");
    }
    return sds.getName();
  }

  private static <M extends com.google.protobuf.Message> M unpack(Any any, com.google.protobuf.Descriptors.Descriptor type,
      com.google.protobuf.Parser<M> parser, String at) throws ResourceException {
    try {
      return Unpacking.unpack(any, type, parser);
    } catch (InvalidProtocolBufferException e) {
      throw new ResourceException(at, "cannot decode: " + e.getMessage());
    }
  }
}
