package io.bowline.samples.consumer;

/**
 * The static Envoy configuration the consumer tests route with: one API listener {@code service:port}
 * whose route configuration sends paths starting with a prefix to cluster {@code service-v2} and
 * everything else to {@code service-v1}, each cluster one endpoint on loopback. It is JSON, which
 * mesh-runtime reads without its optional YAML library (this application does not declare snakeyaml).
 */
final class TwoVersionsConfig {
  private static final String MUTUAL_TLS = """
      "transport_socket": {"name": "envoy.transport_sockets.tls", "typed_config": {
        "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext",
        "common_tls_context": {
          "tls_certificate_provider_instance": {"instance_name": "default", "certificate_name": "default"},
          "validation_context": {"ca_certificate_provider_instance": {"instance_name": "default", "certificate_name": "ROOTCA"}}}}},
      """;

  private TwoVersionsConfig() {}

  /**
   * @param service the service name (the listener's host, the clusters' prefix)
   * @param port the listener's port
   * @param v2Prefix the path prefix routed to v2
   * @param v1Port the loopback port of v1's endpoint
   * @param v2Port the loopback port of v2's endpoint
   * @return the bootstrap as JSON
   */
  static String json(String service, int port, String v2Prefix, int v1Port, int v2Port) {
    return bootstrap(service, port, v2Prefix, cluster(service + "-v1", v1Port, ""), cluster(service + "-v2", v2Port, ""));
  }

  /**
   * As {@link #json}, with {@code service-v2} asking for mutual TLS from the {@code default} certificate provider
   * instance (as istiod's ISTIO_MUTUAL does for proxyless clients).
   */
  static String jsonWithMutualTlsToV2(String service, int port, String v2Prefix, int v1Port, int v2Port) {
    return bootstrap(service, port, v2Prefix, cluster(service + "-v1", v1Port, ""),
        cluster(service + "-v2", v2Port, MUTUAL_TLS));
  }

  private static String bootstrap(String service, int port, String v2Prefix, String v1, String v2) {
    return """
        {"static_resources": {
          "listeners": [{
            "name": "%1$s:%2$d",
            "api_listener": {"api_listener": {
              "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
              "stat_prefix": "%1$s",
              "route_config": {"name": "%1$s", "virtual_hosts": [{
                "name": "%1$s",
                "domains": ["%1$s", "%1$s:%2$d"],
                "routes": [
                  {"match": {"prefix": "%3$s"}, "route": {"cluster": "%1$s-v2"}},
                  {"match": {"prefix": "/"}, "route": {"cluster": "%1$s-v1"}}]}]},
              "http_filters": [{"name": "envoy.filters.http.router", "typed_config": {
                "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"}}]}}}],
          "clusters": [%4$s, %5$s]}}
        """.formatted(service, port, v2Prefix, v1, v2);
  }

  private static String cluster(String name, int port, String transportSocket) {
    return """
        {"name": "%1$s", "type": "STATIC", %3$s"load_assignment": {"cluster_name": "%1$s", "endpoints": [{"lb_endpoints": [
          {"endpoint": {"address": {"socket_address": {"address": "127.0.0.1", "port_value": %2$d}}}}]}]}}
        """.formatted(name, port, transportSocket);
  }
}
