package io.bowline.api.config;

import java.util.List;

/**
 * Cluster settings beyond discovery type and load assignment, each used by some cluster kinds only.
 *
 * @param dnsRefreshRateMs {@code dns_refresh_rate} in milliseconds (Envoy default 5000); used by
 *     LOGICAL_DNS and STRICT_DNS clusters
 * @param aggregateClusters {@code envoy.extensions.clusters.aggregate.v3.ClusterConfig.clusters}, in
 *     priority order; non-empty for AGGREGATE clusters, else empty
 * @param sdsSecretNames names of the SDS secrets ({@code envoy.extensions.transport_sockets.tls.v3.Secret})
 *     the cluster's {@code transport_socket} UpstreamTlsContext refers to with an ADS config source
 * @param connectTimeoutMs {@code connect_timeout} in milliseconds (Envoy default 5000, must be
 *     &gt; 0): how long a new upstream connection may take to establish, per attempt; an attempt
 *     whose connect times out is a connect failure ({@code UF}, retriable as {@code connect-failure})
 * @param tls the {@code transport_socket}'s {@code UpstreamTlsContext} ({@code envoy.transport_sockets.tls}),
 *     or {@code null} for plaintext ({@code envoy.transport_sockets.raw_buffer} or none)
 * @param transportSocketMatches {@code transport_socket_matches}, in order, up to and including the first
 *     that matches every endpoint; empty when the cluster has none
 * @param httpProtocol the protocol spoken to the cluster's hosts: the
 *     {@code typed_extension_protocol_options} entry {@code envoy.extensions.upstreams.http.v3.HttpProtocolOptions}
 *     ({@code explicit_http_config} or {@code use_downstream_protocol_config}), or the deprecated
 *     {@code http2_protocol_options} / {@code protocol_selection: USE_DOWNSTREAM_PROTOCOL}; Envoy's default is
 *     HTTP/1.1
 */
public record ClusterOptions(
    long dnsRefreshRateMs, List<String> aggregateClusters, List<String> sdsSecretNames, long connectTimeoutMs,
    UpstreamTls tls, List<TransportSocketMatch> transportSocketMatches, HttpProtocol httpProtocol) {

  /** The HTTP protocol of a cluster's upstream connections (Envoy's upstream protocol selection). */
  public enum HttpProtocol {
    /** HTTP/1.1: {@code explicit_http_config.http_protocol_options}, or no protocol options (Envoy's default). */
    HTTP1,
    /** HTTP/2 (h2c, or h2 negotiated by ALPN over TLS): {@code explicit_http_config.http2_protocol_options}. */
    HTTP2,
    /** The downstream request's protocol: {@code use_downstream_protocol_config} (Istio's sniffed ports). */
    USE_DOWNSTREAM
  }
  /** Envoy's default {@code dns_refresh_rate}: 5000 ms. */
  public static final long DEFAULT_DNS_REFRESH_RATE_MS = 5000;

  /** Envoy's default {@code connect_timeout}: 5000 ms. */
  public static final long DEFAULT_CONNECT_TIMEOUT_MS = 5000;

  /** No aggregate children, no secrets, the default DNS refresh rate and connect timeout. */
  public static final ClusterOptions NONE =
      new ClusterOptions(DEFAULT_DNS_REFRESH_RATE_MS, List.of(), List.of(), DEFAULT_CONNECT_TIMEOUT_MS, null, List.of(),
          HttpProtocol.HTTP1);

  /**
   * Options with Envoy's default {@code connect_timeout} (5000 ms).
   *
   * @param dnsRefreshRateMs {@code dns_refresh_rate} in milliseconds (Envoy default 5000); used by
   *     LOGICAL_DNS and STRICT_DNS clusters
   * @param aggregateClusters {@code envoy.extensions.clusters.aggregate.v3.ClusterConfig.clusters}, in
   *     priority order; non-empty for AGGREGATE clusters, else empty
   * @param sdsSecretNames names of the SDS secrets ({@code envoy.extensions.transport_sockets.tls.v3.Secret})
   *     the cluster's {@code transport_socket} UpstreamTlsContext refers to with an ADS config source
   */
  public ClusterOptions(long dnsRefreshRateMs, List<String> aggregateClusters, List<String> sdsSecretNames) {
    this(dnsRefreshRateMs, aggregateClusters, sdsSecretNames, DEFAULT_CONNECT_TIMEOUT_MS, null);
  }

  /**
   * Plaintext options.
   *
   * @param dnsRefreshRateMs {@code dns_refresh_rate} in milliseconds (Envoy default 5000); used by
   *     LOGICAL_DNS and STRICT_DNS clusters
   * @param aggregateClusters {@code envoy.extensions.clusters.aggregate.v3.ClusterConfig.clusters}, in
   *     priority order; non-empty for AGGREGATE clusters, else empty
   * @param sdsSecretNames names of the SDS secrets ({@code envoy.extensions.transport_sockets.tls.v3.Secret})
   *     the cluster's {@code transport_socket} UpstreamTlsContext refers to with an ADS config source
   * @param connectTimeoutMs {@code connect_timeout} in milliseconds (Envoy default 5000, must be &gt; 0)
   */
  public ClusterOptions(long dnsRefreshRateMs, List<String> aggregateClusters, List<String> sdsSecretNames,
      long connectTimeoutMs) {
    this(dnsRefreshRateMs, aggregateClusters, sdsSecretNames, connectTimeoutMs, null, List.of());
  }

  /**
   * Options without {@code transport_socket_matches}.
   *
   * @param dnsRefreshRateMs {@code dns_refresh_rate} in milliseconds
   * @param aggregateClusters the aggregate cluster's children, else empty
   * @param sdsSecretNames names of the SDS secrets the cluster's TLS contexts refer to
   * @param connectTimeoutMs {@code connect_timeout} in milliseconds
   * @param tls the {@code transport_socket}'s {@code UpstreamTlsContext}, or {@code null} for plaintext
   */
  public ClusterOptions(long dnsRefreshRateMs, List<String> aggregateClusters, List<String> sdsSecretNames,
      long connectTimeoutMs, UpstreamTls tls) {
    this(dnsRefreshRateMs, aggregateClusters, sdsSecretNames, connectTimeoutMs, tls, List.of());
  }

  /**
   * Options whose cluster is spoken to in HTTP/1.1 (Envoy's default).
   *
   * @param dnsRefreshRateMs {@code dns_refresh_rate} in milliseconds
   * @param aggregateClusters the aggregate cluster's children, else empty
   * @param sdsSecretNames names of the SDS secrets the cluster's TLS contexts refer to
   * @param connectTimeoutMs {@code connect_timeout} in milliseconds
   * @param tls the {@code transport_socket}'s {@code UpstreamTlsContext}, or {@code null} for plaintext
   * @param transportSocketMatches {@code transport_socket_matches}, in order
   */
  public ClusterOptions(long dnsRefreshRateMs, List<String> aggregateClusters, List<String> sdsSecretNames,
      long connectTimeoutMs, UpstreamTls tls, List<TransportSocketMatch> transportSocketMatches) {
    this(dnsRefreshRateMs, aggregateClusters, sdsSecretNames, connectTimeoutMs, tls, transportSocketMatches,
        HttpProtocol.HTTP1);
  }

  /**
   * Checks and copies the components.
   *
   * @param dnsRefreshRateMs {@code dns_refresh_rate} in milliseconds (Envoy default 5000); used by
   *     LOGICAL_DNS and STRICT_DNS clusters
   * @param aggregateClusters {@code envoy.extensions.clusters.aggregate.v3.ClusterConfig.clusters}, in
   *     priority order; non-empty for AGGREGATE clusters, else empty
   * @param sdsSecretNames names of the SDS secrets ({@code envoy.extensions.transport_sockets.tls.v3.Secret})
   *     the cluster's {@code transport_socket} UpstreamTlsContext refers to with an ADS config source
   * @param connectTimeoutMs {@code connect_timeout} in milliseconds (Envoy default 5000, must be &gt; 0): how
   *     long a new upstream connection may take to establish, per attempt; an attempt whose connect times out is
   *     a connect failure ({@code UF}, retriable as {@code connect-failure})
   * @param tls the {@code transport_socket}'s {@code UpstreamTlsContext}, or {@code null} for plaintext
   * @param transportSocketMatches {@code transport_socket_matches}, in order
   * @param httpProtocol the upstream HTTP protocol
   * @throws IllegalArgumentException if {@code dnsRefreshRateMs} or {@code connectTimeoutMs} is not
   *     positive
   */
  public ClusterOptions {
    aggregateClusters = List.copyOf(aggregateClusters);
    sdsSecretNames = List.copyOf(sdsSecretNames);
    transportSocketMatches = List.copyOf(transportSocketMatches);
    java.util.Objects.requireNonNull(httpProtocol, "httpProtocol");
    if (dnsRefreshRateMs <= 0) {
      throw new IllegalArgumentException("dns_refresh_rate must be > 0 ms, was " + dnsRefreshRateMs);
    }
    if (connectTimeoutMs <= 0) {
      throw new IllegalArgumentException("connect_timeout must be > 0 ms, was " + connectTimeoutMs);
    }
  }
}
