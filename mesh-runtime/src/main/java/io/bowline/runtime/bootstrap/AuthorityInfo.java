package io.bowline.runtime.bootstrap;

import java.util.List;

/**
 * One bootstrap {@code authorities} entry (gRFC A47, xDS federation).
 *
 * @param clientListenerResourceNameTemplate {@code client_listener_resource_name_template}, or {@code ""}
 * @param servers {@code xds_servers}; empty means the top-level servers
 */
public record AuthorityInfo(String clientListenerResourceNameTemplate, List<ServerInfo> servers) {
  public AuthorityInfo {
    servers = List.copyOf(servers);
  }
}
