package io.bowline.runtime.xds.resource;

import com.google.protobuf.InvalidProtocolBufferException;
import io.bowline.api.config.ClusterOptions;
import io.bowline.api.config.UpstreamTls;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.extensions.clusters.aggregate.v3.ClusterConfig;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads the {@link ClusterOptions} of a CDS cluster: {@code dns_refresh_rate}, {@code connect_timeout}, the aggregate
 * cluster's {@code cluster_type} config, and its TLS context with the SDS secret names it refers to (so
 * that the xDS client subscribes to them).
 */
final class ClusterOptionsParser {
  /** The {@code cluster_type} name of Envoy's aggregate cluster. */
  static final String AGGREGATE = "envoy.clusters.aggregate";
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
    if (!c.hasDnsRefreshRate() && !c.hasConnectTimeout() && children.isEmpty()
        && sockets == TransportSocketParser.Sockets.PLAINTEXT) {
      return null;
    }
    return new ClusterOptions(refresh, children, secrets, connect, sockets.tls(), sockets.matches());
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
