package io.bowline.api.config;

import java.util.Map;
import java.util.Objects;

/**
 * Envoy {@code config.cluster.v3.Cluster.TransportSocketMatch}: the transport socket of the endpoints whose
 * {@code envoy.transport_socket_match} metadata holds every field of {@link #match} (Istio auto-mTLS:
 * {@code tlsMode: istio} → ISTIO_MUTUAL, an empty match → plaintext). The first matching entry wins; with none,
 * the cluster's own {@code transport_socket} applies.
 *
 * @param name {@code name}
 * @param match {@code match}, its string fields; empty matches every endpoint
 * @param tls the entry's {@code UpstreamTlsContext}, or {@code null} for plaintext
 */
public record TransportSocketMatch(String name, Map<String, String> match, UpstreamTls tls) {
  /**
   * Copies the match.
   *
   * @param name {@code name}
   * @param match {@code match}, its string fields; empty matches every endpoint
   * @param tls the entry's {@code UpstreamTlsContext}, or {@code null} for plaintext
   * @throws NullPointerException if {@code name} or {@code match} is null
   */
  public TransportSocketMatch {
    Objects.requireNonNull(name, "name");
    match = Map.copyOf(match);
  }

  /**
   * Whether this entry selects an endpoint with this {@code envoy.transport_socket_match} metadata.
   *
   * @param metadata the endpoint's {@code envoy.transport_socket_match} string fields
   * @return {@code true} when every field of {@link #match} has the same value in {@code metadata}
   */
  public boolean matches(Map<String, String> metadata) {
    for (Map.Entry<String, String> e : match.entrySet()) {
      if (!e.getValue().equals(metadata.get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }
}
