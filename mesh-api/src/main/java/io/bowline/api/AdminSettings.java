package io.bowline.api;

import java.net.InetSocketAddress;

/**
 * Where a mesh client serves Envoy's admin interface ({@code /config_dump}, {@code /clusters}, {@code /stats},
 * {@code /stats/prometheus}, {@code /ready}, {@code /healthz} and the mesh page at {@code /}), and optionally
 * CSDS ({@code envoy.service.status.v3.ClientStatusDiscoveryService}) over gRPC. Port 0 picks a free port;
 * {@link MeshClient#adminAddress()} tells which.
 *
 * @param http where the HTTP admin endpoint listens, or {@code null} for none
 * @param csds where CSDS listens (plaintext gRPC), or {@code null} for none
 */
public record AdminSettings(InetSocketAddress http, InetSocketAddress csds) {
  /** No admin endpoint (the default). */
  public static final AdminSettings NONE = new AdminSettings(null, null);
}
