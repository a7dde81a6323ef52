package io.bowline.samples.consumer;

/**
 * The static Envoy configuration the consumer tests route with: one API listener {@code service:port}
 * whose route configuration sends paths starting with a prefix to cluster {@code service-v2} and
 * everything else to {@code service-v1}, each cluster one endpoint on loopback.
 */
final class TwoVersionsConfig {
  private TwoVersionsConfig() {}

  /**
   * @param service the service name (the listener's host, the clusters' prefix)
   * @param port the listener's port
   * @param v2Prefix the path prefix routed to v2
   * @param v1Port the loopback port of v1's endpoint
   * @param v2Port the loopback port of v2's endpoint
   * @return the bootstrap YAML
   */
  static String yaml(String service, int port, String v2Prefix, int v1Port, int v2Port) {
    return """
        static_resources:
          listeners:
          - name: %1$s:%2$d
            api_listener:
              api_listener:
                "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                stat_prefix: %1$s
                route_config:
                  name: %1$s
                  virtual_hosts:
                  - name: %1$s
                    domains: ["%1$s", "%1$s:%2$d"]
                    routes:
                    - match: {prefix: "%3$s"}
                      route: {cluster: %1$s-v2}
                    - match: {prefix: "/"}
                      route: {cluster: %1$s-v1}
                http_filters:
                - name: envoy.filters.http.router
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
          clusters:
          %4$s
          %5$s
        """.formatted(service, port, v2Prefix, cluster(service + "-v1", v1Port), cluster(service + "-v2", v2Port));
  }

  /**
   * As {@link #yaml}, with {@code service-v2} asking for mutual TLS from the {@code default} certificate provider
   * instance (as istiod's ISTIO_MUTUAL does for proxyless clients).
   */
  static String yamlWithMutualTlsToV2(String service, int port, String v2Prefix, int v1Port, int v2Port) {
    String v2 = cluster(service + "-v2", v2Port);
    return yaml(service, port, v2Prefix, v1Port, v2Port).replace(v2, v2.replace("type: STATIC, ", "type: STATIC, "
        + "transport_socket: {name: envoy.transport_sockets.tls, typed_config: {\"@type\": "
        + "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext, common_tls_context: "
        + "{tls_certificate_provider_instance: {instance_name: default, certificate_name: default}, "
        + "validation_context: {ca_certificate_provider_instance: {instance_name: default, certificate_name: ROOTCA}}}}}, "));
  }

  private static String cluster(String name, int port) {
    return ("- {name: %s, type: STATIC, load_assignment: {cluster_name: %s, endpoints: [{lb_endpoints: "
        + "[{endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: %d}}}}]}]}}")
        .formatted(name, name, port);
  }
}
