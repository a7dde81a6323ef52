package io.bowline.api.config;

import java.util.List;
import java.util.Objects;

/**
 * A server-side (inbound) listener, Envoy {@code config.listener.v3.Listener} with filter chains and a socket
 * address, as istiod's {@code grpc} generator writes it for a proxyless server (gRFC A36): the runtime fetches
 * it by the bootstrap's {@code server_listener_resource_name_template} (Istio:
 * {@code xds.istio.io/grpc/lds/inbound/%s}, {@code %s} = {@code <ip>:<port>}). Holds names, never key material.
 *
 * @param name the LDS resource name, e.g. {@code xds.istio.io/grpc/lds/inbound/0.0.0.0:8443}
 * @param address {@code address.socket_address.address}, e.g. {@code 0.0.0.0}
 * @param port {@code address.socket_address.port_value}
 * @param filterChains {@code filter_chains}, in order; a connection takes the most specific match
 *     ({@link FilterChainMatch}); never empty unless {@code defaultFilterChain} is set
 * @param defaultFilterChain {@code default_filter_chain}, or {@code null}
 */
public record InboundListener(String name, String address, int port, List<FilterChain> filterChains,
    FilterChain defaultFilterChain) {

  /**
   * Checks the components and keeps an immutable copy of the chains.
   *
   * @throws NullPointerException if {@code name}, {@code address} or {@code filterChains} is null
   * @throws IllegalArgumentException if the port is not in 0..65535
   * @param name see the record component
   * @param address see the record component
   * @param port see the record component
   * @param filterChains see the record component
   * @param defaultFilterChain see the record component
   */
  public InboundListener {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(address, "address");
    filterChains = List.copyOf(filterChains);
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port " + port + " is not in 0..65535");
    }
  }

  /**
   * One {@code filter_chains[]} entry: where it applies, its transport socket, and the HTTP connection manager's
   * RBAC filters in order (each must allow, gRFC A41; Istio writes {@code envoy.filters.http.rbac.DENY} then
   * {@code envoy.filters.http.rbac}).
   *
   * @param name {@code name}, e.g. {@code inbound-mtls}
   * @param match {@code filter_chain_match}
   * @param tls the {@code envoy.transport_sockets.tls} {@code DownstreamTlsContext}, or {@code null} for
   *     plaintext ({@code raw_buffer} or no transport socket)
   * @param rbac the {@code envoy.filters.http.rbac} filters of the chain's HttpConnectionManager, in order
   */
  public record FilterChain(String name, FilterChainMatch match, DownstreamTls tls, List<Rbac> rbac) {
    /**
     * Checks the components and keeps an immutable copy of the filters.
     *
     * @throws NullPointerException if {@code name}, {@code match} or {@code rbac} is null
     * @param name see the record component
     * @param match see the record component
     * @param tls see the record component
     * @param rbac see the record component
     */
    public FilterChain {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(match, "match");
      rbac = List.copyOf(rbac);
    }
  }

  /**
   * {@code filter_chain_match}: the fields a server can decide on before the first request.
   *
   * @param destinationPort {@code destination_port}, or 0 for any
   * @param transportProtocol {@code transport_protocol}: {@code ""} (any), {@code raw_buffer} or {@code tls}
   * @param serverNames {@code server_names} (SNI), empty for any; {@code *.example.com} wildcards allowed
   */
  public record FilterChainMatch(int destinationPort, String transportProtocol, List<String> serverNames) {
    /** A match that applies to every connection. */
    public static final FilterChainMatch ANY = new FilterChainMatch(0, "", List.of());

    /**
     * Checks the components and keeps an immutable copy of the names.
     *
     * @throws NullPointerException if {@code transportProtocol} or {@code serverNames} is null
     * @param destinationPort see the record component
     * @param transportProtocol see the record component
     * @param serverNames see the record component
     */
    public FilterChainMatch {
      Objects.requireNonNull(transportProtocol, "transportProtocol");
      serverNames = List.copyOf(serverNames);
    }
  }

  /**
   * {@code extensions.transport_sockets.tls.v3.DownstreamTlsContext} as the runtime serves it.
   *
   * @param common the {@code common_tls_context}: the server's certificate source, the roots client certificates
   *     must chain to and the URI SAN matchers they must satisfy (the same shape as the client side's, with
   *     {@code sni} and {@code alpn} unused)
   * @param requireClientCertificate {@code require_client_certificate}: mutual TLS
   */
  public record DownstreamTls(UpstreamTls common, boolean requireClientCertificate) {
    /**
     * Checks the components.
     *
     * @throws NullPointerException if {@code common} is null
     * @throws IllegalArgumentException if it has no server certificate source
     * @param common see the record component
     * @param requireClientCertificate see the record component
     */
    public DownstreamTls {
      Objects.requireNonNull(common, "common");
      if (common.certificate() == null) {
        throw new IllegalArgumentException("a DownstreamTlsContext needs the server's certificate");
      }
    }
  }
}
