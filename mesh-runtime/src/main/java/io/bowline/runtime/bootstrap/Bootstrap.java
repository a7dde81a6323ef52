package io.bowline.runtime.bootstrap;

import io.envoyproxy.envoy.config.core.v3.Node;
import java.util.List;
import java.util.Map;

/**
 * A parsed gRPC xDS bootstrap (the JSON of {@code GRPC_XDS_BOOTSTRAP}, unchanged).
 *
 * @param servers {@code xds_servers}, in fallback order (gRFC A71); never empty
 * @param node {@code node} ({@code id}, {@code cluster}, {@code metadata}, {@code locality}), or
 *     {@code null} when the bootstrap has none
 * @param certificateProviders {@code certificate_providers} by instance name
 * @param serverListenerResourceNameTemplate {@code server_listener_resource_name_template}, or {@code ""}
 * @param clientDefaultListenerResourceNameTemplate {@code client_default_listener_resource_name_template},
 *     or {@code "%s"}
 * @param authorities {@code authorities} by name
 * @param source where the bootstrap came from, for messages (a path, {@code $GRPC_XDS_BOOTSTRAP_CONFIG}, ...)
 */
public record Bootstrap(
    List<ServerInfo> servers,
    Node node,
    Map<String, CertificateProviderInfo> certificateProviders,
    String serverListenerResourceNameTemplate,
    String clientDefaultListenerResourceNameTemplate,
    Map<String, AuthorityInfo> authorities,
    String source) {
  public Bootstrap {
    servers = List.copyOf(servers);
    certificateProviders = Map.copyOf(certificateProviders);
    authorities = Map.copyOf(authorities);
  }

  /** This bootstrap with its servers replaced (a builder's {@code xdsServer} overrides the file's). */
  public Bootstrap withServers(List<ServerInfo> newServers) {
    return new Bootstrap(newServers, node, certificateProviders, serverListenerResourceNameTemplate,
        clientDefaultListenerResourceNameTemplate, authorities, source);
  }
}
