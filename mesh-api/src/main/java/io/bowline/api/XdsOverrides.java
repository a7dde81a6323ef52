package io.bowline.api;

import io.bowline.api.config.LocalityEndpoints;
import java.util.List;
import java.util.Set;

/**
 * Builder-level values for gRPC xDS bootstrap fields beyond the workload and a single server.
 *
 * @param xdsServers ADS servers ({@code host:port}, plaintext) in {@code xds_servers} order: the
 *     first is the primary, the others are fallbacks (gRFC A71); empty to use
 *     {@link MeshSettings#xdsServer()} or the bootstrap's {@code xds_servers}
 * @param serverFeatures {@code server_features} added to every server, e.g.
 *     {@code ignore_resource_deletion} (gRFC A53) or {@code bowline.delta_ads}
 * @param locality {@code node.locality}, or {@code null} to keep the bootstrap's (or none)
 */
public record XdsOverrides(List<String> xdsServers, Set<String> serverFeatures, LocalityEndpoints.Locality locality) {
  /** Nothing overridden. */
  public static final XdsOverrides NONE = new XdsOverrides(List.of(), Set.of(), null);

  /**
   * Checks the components and keeps immutable copies of its collections.
   *
   * @param xdsServers ADS servers ({@code host:port}, plaintext) in {@code xds_servers} order: the first is
   *     the primary, the others are fallbacks (gRFC A71); empty to use {@link MeshSettings#xdsServer()} or the
   *     bootstrap's {@code xds_servers}
   * @param serverFeatures {@code server_features} added to every server, e.g. {@code
   *     ignore_resource_deletion} (gRFC A53) or {@code bowline.delta_ads}
   * @param locality {@code node.locality}, or {@code null} to keep the bootstrap's (or none)
   */
  public XdsOverrides {
    xdsServers = List.copyOf(xdsServers);
    serverFeatures = Set.copyOf(serverFeatures);
  }
}
