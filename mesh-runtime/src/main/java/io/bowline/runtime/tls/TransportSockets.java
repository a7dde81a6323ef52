package io.bowline.runtime.tls;

import io.bowline.api.config.Endpoint;
import io.bowline.api.config.TransportSocketMatch;
import java.util.List;

/**
 * A cluster's transport sockets compiled for the data path: the first {@code transport_socket_matches} entry
 * whose {@code match} the endpoint's {@code envoy.transport_socket_match} metadata satisfies picks the socket,
 * else the cluster's {@code transport_socket} (Envoy's per-endpoint socket choice; Istio auto-mTLS sends TLS to
 * endpoints labelled {@code tlsMode: istio} and plaintext to the rest). Immutable.
 */
public final class TransportSockets {
  /** Plaintext for every endpoint. */
  public static final TransportSockets PLAINTEXT = new TransportSockets(List.of(), new UpstreamTlsHandle[0], null);

  private final List<TransportSocketMatch> matches;
  private final UpstreamTlsHandle[] handles;
  private final UpstreamTlsHandle fallback;

  TransportSockets(List<TransportSocketMatch> matches, UpstreamTlsHandle[] handles, UpstreamTlsHandle fallback) {
    this.matches = List.copyOf(matches);
    this.handles = handles;
    this.fallback = fallback;
  }

  /** Plaintext or one TLS handle for every endpoint (no {@code transport_socket_matches}). */
  public static TransportSockets of(UpstreamTlsHandle tls) {
    return tls == null ? PLAINTEXT : new TransportSockets(List.of(), new UpstreamTlsHandle[0], tls);
  }

  /** The TLS handle for {@code endpoint}, or {@code null} for plaintext. */
  public UpstreamTlsHandle select(Endpoint endpoint) {
    for (int i = 0; i < handles.length; i++) {
      if (matches.get(i).matches(endpoint.transportSocketMatch())) {
        return handles[i];
      }
    }
    return fallback;
  }

  /** The cluster's own {@code transport_socket} handle, or {@code null} (plaintext). */
  public UpstreamTlsHandle fallback() {
    return fallback;
  }

  @Override
  public String toString() {
    return "TransportSockets{matches=" + matches.size() + ", default=" + (fallback == null ? "plaintext" : fallback) + "}";
  }
}
