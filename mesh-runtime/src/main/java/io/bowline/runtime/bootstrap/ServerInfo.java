package io.bowline.runtime.bootstrap;

import java.util.List;
import java.util.Set;

/**
 * One entry of the bootstrap's {@code xds_servers}.
 *
 * @param serverUri the gRPC target, e.g. {@code istiod.istio-system.svc:15010} or {@code dns:///host:port}
 * @param channelCredsType the first supported {@code channel_creds[].type}: {@code insecure} or {@code tls}
 * @param serverFeatures {@code server_features}, e.g. {@code xds_v3}, {@code ignore_resource_deletion}
 */
public record ServerInfo(String serverUri, String channelCredsType, Set<String> serverFeatures) {
  /** gRFC A53: keep a resource that a SotW response no longer carries. */
  public static final String IGNORE_RESOURCE_DELETION = "ignore_resource_deletion";
  /** Bowline's feature flag: use incremental (delta) ADS with this server. */
  public static final String DELTA_ADS = "bowline.delta_ads";
  /** Credential types this runtime can open a channel with, in preference order. */
  public static final List<String> SUPPORTED_CREDS = List.of("insecure", "tls");

  public ServerInfo {
    serverFeatures = Set.copyOf(serverFeatures);
  }

  /** A plaintext server with no features, as {@code MeshClient.Builder.xdsServer(hostPort)} gives. */
  public static ServerInfo insecure(String serverUri) {
    return new ServerInfo(serverUri, "insecure", Set.of());
  }

  /** Whether {@code ignore_resource_deletion} is set (gRFC A53). */
  public boolean ignoreResourceDeletion() {
    return serverFeatures.contains(IGNORE_RESOURCE_DELETION);
  }

  /** Whether the server is to be spoken to with incremental ADS. */
  public boolean delta() {
    return serverFeatures.contains(DELTA_ADS);
  }
}
