package io.bowline.runtime.xds.resource;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.bowline.api.config.ClusterOptions;
import io.bowline.api.config.UpstreamTls;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.extensions.clusters.aggregate.v3.ClusterConfig;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads the {@link ClusterOptions} of a CDS cluster: {@code dns_refresh_rate}, {@code connect_timeout}, the aggregate
 * cluster's {@code cluster_type} config, the upstream HTTP protocol, and its TLS context with the SDS secret names it refers to (so
 * that the xDS client subscribes to them).
 */
final class ClusterOptionsParser {
  /** The {@code cluster_type} name of Envoy's aggregate cluster. */
  static final String AGGREGATE = "envoy.clusters.aggregate";
  /** The {@code typed_extension_protocol_options} key of the upstream HTTP protocol options. */
  static final String HTTP_PROTOCOL_OPTIONS = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions";
  private static final String AGGREGATE_CONFIG_URL =
      "type.googleapis.com/envoy.extensions.clusters.aggregate.v3.ClusterConfig";

  private ClusterOptionsParser() {}

  /** The options of {@code c}, or {@code null} when it sets none of them. */
  static ClusterOptions parse(Cluster c, TransportSocketParser.Sockets sockets) throws ResourceException {
    long refresh = ClusterOptions.DEFAULT_DNS_REFRESH_RATE_MS;
    if (c.hasDnsRefreshRate()) {
      refresh = c.getDnsRefreshRate().getSeconds() * 1000 + c.getDnsRefreshRate().getNanos() / 1_000_000;
      if (refresh < 1) {
        throw new ResourceException("dns_refresh_rate", "must be at least 1 ms");
      }
    }
    long connect = ClusterOptions.DEFAULT_CONNECT_TIMEOUT_MS;
    if (c.hasConnectTimeout()) {
      connect = c.getConnectTimeout().getSeconds() * 1000 + c.getConnectTimeout().getNanos() / 1_000_000;
      if (connect < 1) {
        throw new ResourceException("connect_timeout", "must be at least 1 ms");
      }
    }
    List<String> children = c.hasClusterType() ? aggregateChildren(c) : List.of();
    List<String> secrets = sdsSecretNames(sockets);
    ClusterOptions.HttpProtocol protocol = httpProtocol(c);
    if (!c.hasDnsRefreshRate() && !c.hasConnectTimeout() && children.isEmpty()
        && sockets == TransportSocketParser.Sockets.PLAINTEXT && protocol == ClusterOptions.HttpProtocol.HTTP1) {
      return null;
    }
    return new ClusterOptions(refresh, children, secrets, connect, sockets.tls(), sockets.matches(), protocol);
  }

  /**
   * The upstream protocol: {@code typed_extension_protocol_options}'s {@code HttpProtocolOptions} (what istiod
   * writes), else the deprecated {@code http2_protocol_options} and {@code protocol_selection}; HTTP/1.1 by
   * default. HTTP/3 and {@code auto_config} (ALPN selection) are refused, never approximated.
   */
  private static ClusterOptions.HttpProtocol httpProtocol(Cluster c) throws ResourceException {
    Any typed = c.getTypedExtensionProtocolOptionsMap().get(HTTP_PROTOCOL_OPTIONS);
    if (typed != null) {
      String at = "typed_extension_protocol_options[" + HTTP_PROTOCOL_OPTIONS + "]";
      HttpProtocolOptions options;
      try {
        options = typed.unpack(HttpProtocolOptions.class);
      } catch (InvalidProtocolBufferException e) {
        throw new ResourceException(at, "cannot decode HttpProtocolOptions: " + e.getMessage());
      }
      switch (options.getUpstreamProtocolOptionsCase()) {
        case EXPLICIT_HTTP_CONFIG -> {
          var explicit = options.getExplicitHttpConfig();
          if (explicit.hasHttp2ProtocolOptions()) {
            return ClusterOptions.HttpProtocol.HTTP2;
          }
          if (explicit.hasHttp3ProtocolOptions()) {
            throw new ResourceException(at + ".explicit_http_config", "HTTP/3 upstreams are not supported");
          }
          return ClusterOptions.HttpProtocol.HTTP1;
        }
        case USE_DOWNSTREAM_PROTOCOL_CONFIG -> {
          return ClusterOptions.HttpProtocol.USE_DOWNSTREAM;
        }
        case AUTO_CONFIG -> throw new ResourceException(at + ".auto_config",
            "ALPN protocol selection (auto_config) is not supported; use explicit_http_config or "
                + "use_downstream_protocol_config");
        default -> {
          return ClusterOptions.HttpProtocol.HTTP1;
        }
      }
    }
    if (c.getProtocolSelection() == Cluster.ClusterProtocolSelection.USE_DOWNSTREAM_PROTOCOL) {
      return ClusterOptions.HttpProtocol.USE_DOWNSTREAM;
    }
    return c.hasHttp2ProtocolOptions() ? ClusterOptions.HttpProtocol.HTTP2 : ClusterOptions.HttpProtocol.HTTP1;
  }

  /** {@code cluster_type}: only {@code envoy.clusters.aggregate} with a non-empty, duplicate-free list. */
  private static List<String> aggregateChildren(Cluster c) throws ResourceException {
    var type = c.getClusterType();
    if (!AGGREGATE.equals(type.getName())) {
      throw new ResourceException("cluster_type.name", "only " + AGGREGATE + " is supported, got '" + type.getName() + "'");
    }
    if (!AGGREGATE_CONFIG_URL.equals(type.getTypedConfig().getTypeUrl())) {
      throw new ResourceException("cluster_type.typed_config", "expected " + AGGREGATE_CONFIG_URL
          + ", got '" + type.getTypedConfig().getTypeUrl() + "'");
    }
    ClusterConfig config;
    try {
      config = Unpacking.unpack(type.getTypedConfig(), ClusterConfig.getDescriptor(), ClusterConfig.parser());
    } catch (InvalidProtocolBufferException e) {
      throw new ResourceException("cluster_type.typed_config", "cannot decode ClusterConfig: " + e.getMessage());
    }
    if (config.getClustersCount() == 0) {
      throw new ResourceException("cluster_type.typed_config.clusters", "must not be empty");
    }
    Set<String> seen = new LinkedHashSet<>();
    for (int i = 0; i < config.getClustersCount(); i++) {
      String child = config.getClusters(i);
      String at = "cluster_type.typed_config.clusters[" + i + "]";
      if (child.isEmpty()) {
        throw new ResourceException(at, "must not be empty");
      }
      if (child.equals(c.getName())) {
        throw new ResourceException(at, "an aggregate cluster cannot contain itself");
      }
      if (!seen.add(child)) {
        throw new ResourceException(at, "duplicate cluster '" + child + "'");
      }
    }
    return List.copyOf(seen);
  }

  /** The SDS secrets the cluster's TLS contexts name (fetched over ADS). */
  private static List<String> sdsSecretNames(TransportSocketParser.Sockets sockets) {
    List<UpstreamTls> contexts = new ArrayList<>();
    contexts.add(sockets.tls());
    sockets.matches().forEach(m -> contexts.add(m.tls()));
    List<String> names = new ArrayList<>();
    for (UpstreamTls tls : contexts) {
      for (UpstreamTls.Source source : tls == null ? List.<UpstreamTls.Source>of() : java.util.Arrays.asList(tls.certificate(), tls.roots())) {
        if (source != null && source.kind() == UpstreamTls.Kind.SDS && !names.contains(source.name())) {
          names.add(source.name());
        }
      }
    }
    return names;
  }
}
