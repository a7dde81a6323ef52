package io.bowline.api.config;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A listener bound to a socket (Envoy {@code config.listener.v3.Listener} with {@code address} and
 * {@code filter_chains}), as a gateway ({@code router~} node) receives them from istiod's gateway generator:
 * {@code 0.0.0.0_8080}; on a sidecar, its outbound TCP listeners ({@code 0.0.0.0_<port>} with {@code tcp_proxy} chains
 * only, for TCP service ports), which bowline-proxy serves and the library ignores.
 *
 * @param name listener name, e.g. {@code 0.0.0.0_8080}
 * @param address {@code address.socket_address.address}, e.g. {@code 0.0.0.0}
 * @param port {@code address.socket_address.port_value}, 1 to 65535
 * @param filterChains {@code filter_chains}, in order (never empty)
 */
public record SocketListener(String name, String address, int port, List<FilterChain> filterChains) {
  /**
   * Checks the components and keeps an immutable copy of the chains.
   *
   * @param name listener name
   * @param address the socket address
   * @param port the port, 1 to 65535
   * @param filterChains the filter chains, at least one
   * @throws NullPointerException if a component is {@code null}
   * @throws IllegalArgumentException if the port is out of range or there is no filter chain
   */
  public SocketListener {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(address, "address");
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("listener " + name + ": port must be 1 to 65535, got " + port);
    }
    filterChains = List.copyOf(filterChains);
    if (filterChains.isEmpty()) {
      throw new IllegalArgumentException("listener " + name + ": no filter chain");
    }
  }

  /**
   * Whether a connection's ClientHello must be read before a chain can be selected (Envoy's
   * {@code tls_inspector}): some chain matches {@code server_names}.
   *
   * @return whether the SNI decides the chain
   */
  public boolean inspectsSni() {
    return filterChains.stream().anyMatch(c -> !c.serverNames().isEmpty());
  }

  /**
   * The chain Envoy selects for a connection by {@code filter_chain_match.server_names}: an exact name, else
   * the longest matching {@code *.suffix} wildcard, else the first chain without server names. A plaintext
   * connection has no server name. The chain's own transport socket then decides: a TLS chain fails a
   * plaintext connection's handshake, a plaintext chain reads a ClientHello as a malformed request.
   *
   * @param sni the ClientHello's server name, or {@code null} (plaintext, or no SNI)
   * @return the chain, or {@code null} when none matches (Envoy closes the connection)
   */
  public FilterChain select(String sni) {
    String name = sni == null ? null : sni.toLowerCase(Locale.ROOT);
    FilterChain best = null;
    int bestScore = -1;
    for (FilterChain c : filterChains) {
      int score = c.score(name);
      if (score > bestScore) {
        best = c;
        bestScore = score;
      }
    }
    return best;
  }

  /**
   * One {@code filter_chains} entry: its match, its transport socket and its one network filter.
   *
   * @param serverNames {@code filter_chain_match.server_names} (lower case; {@code *.suffix} wildcards), empty
   *     to match any
   * @param tls the {@code transport_socket}'s {@code DownstreamTlsContext}, or {@code null} for none
   * @param http the {@code envoy.filters.network.http_connection_manager} filter, as a listener named after the
   *     socket listener (its RDS name or inline route configuration, HTTP filters, telemetry), or {@code null}
   * @param tcp the {@code envoy.filters.network.tcp_proxy} filter, or {@code null}
   */
  public record FilterChain(List<String> serverNames, DownstreamTls tls, Listener http, TcpProxy tcp) {
    /**
     * Checks the components: exactly one of {@code http} and {@code tcp}.
     *
     * @param serverNames the SNI names, empty to match any
     * @param tls the TLS context, or {@code null}
     * @param http the HTTP connection manager, or {@code null}
     * @param tcp the TCP proxy, or {@code null}
     * @throws IllegalArgumentException if both or neither network filter is set
     */
    public FilterChain {
      serverNames = serverNames.stream().map(s -> s.toLowerCase(Locale.ROOT)).toList();
      if ((http == null) == (tcp == null)) {
        throw new IllegalArgumentException("exactly one of http_connection_manager and tcp_proxy");
      }
    }

    /** How well {@code sni} matches: -1 not at all, 0 a chain without names, else longer is better. */
    int score(String sni) {
      if (serverNames.isEmpty()) {
        return 0;
      }
      if (sni == null) {
        return -1;
      }
      int best = -1;
      for (String n : serverNames) {
        if (n.equals(sni)) {
          return Integer.MAX_VALUE;
        }
        if (n.startsWith("*.") && sni.endsWith(n.substring(1)) && sni.length() > n.length() - 1) {
          best = Math.max(best, n.length());
        }
      }
      return best;
    }
  }

  /**
   * A {@code DownstreamTlsContext}: the server certificate and, for mutual TLS, the CA that client
   * certificates must chain to, either each by SDS secret name (istiod's SIMPLE and MUTUAL credentials) or from
   * the runtime's certificate provider instances (ISTIO_MUTUAL: {@code tls_certificate_provider_instance} and
   * {@code ca_certificate_provider_instance}, client certificates verified as SPIFFE peers).
   *
   * @param certificateSecret {@code common_tls_context.tls_certificate_sds_secret_configs[0].name}, e.g.
   *     {@code kubernetes://bookinfo-credential}, or {@code null} when {@code providers} is set
   * @param validationSecret the SDS name of the validation context
   *     ({@code combined_validation_context.validation_context_sds_secret_config} or
   *     {@code validation_context_sds_secret_config}), or {@code null} when client certificates are not verified
   *     over SDS
   * @param requireClientCertificate {@code require_client_certificate}
   * @param subjectAltNames the {@code default_validation_context}'s {@code match_subject_alt_names}; a client
   *     certificate matches when any matches (empty: any)
   * @param alpn {@code common_tls_context.alpn_protocols}
   * @param providers the certificate and roots from certificate provider instances (with the SAN matchers), or
   *     {@code null} for SDS secrets
   */
  public record DownstreamTls(String certificateSecret, String validationSecret, boolean requireClientCertificate,
      List<StringMatcher> subjectAltNames, List<String> alpn, UpstreamTls providers) {
    /**
     * Checks the components.
     *
     * @param certificateSecret the certificate's SDS name, or {@code null} with {@code providers}
     * @param validationSecret the CA's SDS name, or {@code null}
     * @param requireClientCertificate whether a client certificate is required
     * @param subjectAltNames SAN matchers for client certificates
     * @param alpn ALPN protocols
     * @param providers the provider-instance sources, or {@code null}
     * @throws NullPointerException if neither {@code certificateSecret} nor {@code providers} is set
     * @throws IllegalArgumentException if both are set, or {@code providers} has no certificate
     */
    public DownstreamTls {
      if (providers == null) {
        Objects.requireNonNull(certificateSecret, "certificateSecret");
      } else if (certificateSecret != null || validationSecret != null) {
        throw new IllegalArgumentException("either SDS secrets or certificate provider instances, not both");
      } else if (providers.certificate() == null) {
        throw new IllegalArgumentException("a DownstreamTlsContext needs the server's certificate");
      }
      subjectAltNames = List.copyOf(subjectAltNames);
      alpn = List.copyOf(alpn);
    }

    /**
     * A context whose certificate and CA come over SDS.
     *
     * @param certificateSecret the certificate's SDS name
     * @param validationSecret the CA's SDS name, or {@code null}
     * @param requireClientCertificate whether a client certificate is required
     * @param subjectAltNames SAN matchers for client certificates
     * @param alpn ALPN protocols
     * @throws NullPointerException if {@code certificateSecret} is {@code null}
     */
    public DownstreamTls(String certificateSecret, String validationSecret, boolean requireClientCertificate,
        List<StringMatcher> subjectAltNames, List<String> alpn) {
      this(certificateSecret, validationSecret, requireClientCertificate, subjectAltNames, alpn, null);
    }

    /**
     * Whether client certificates are verified.
     *
     * @return {@code true} when a CA is named, over SDS or by a certificate provider instance
     */
    public boolean verifiesClients() {
      return validationSecret != null || providers != null;
    }
  }

  /**
   * A {@code TcpProxy}: the connection goes, untouched, to a host of one of these clusters.
   *
   * @param clusters {@code cluster}, or the {@code weighted_clusters} entries
   * @param accessLogs its {@code access_log}: a line per connection when it closes, in order (empty for none)
   */
  public record TcpProxy(List<WeightedCluster> clusters, List<HttpTelemetry.AccessLog> accessLogs) {
    /**
     * Checks the components.
     *
     * @param clusters the clusters, at least one
     * @param accessLogs the access logs
     * @throws IllegalArgumentException if there is no cluster
     */
    public TcpProxy {
      clusters = List.copyOf(clusters);
      accessLogs = List.copyOf(accessLogs);
      if (clusters.isEmpty()) {
        throw new IllegalArgumentException("tcp_proxy: no cluster");
      }
    }

    /**
     * A {@code TcpProxy} without access logs.
     *
     * @param clusters the clusters, at least one
     * @throws IllegalArgumentException if there is no cluster
     */
    public TcpProxy(List<WeightedCluster> clusters) {
      this(clusters, List.of());
    }
  }

  /**
   * A cluster and its weight.
   *
   * @param name the cluster's name
   * @param weight its weight (1 for a single {@code cluster})
   */
  public record WeightedCluster(String name, int weight) {}
}
