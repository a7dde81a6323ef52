package io.bowline.runtime.xds.resource;

import io.bowline.api.config.UpstreamTls;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import java.util.Set;

/**
 * The transport sockets of a cluster: {@code Cluster.transport_socket} may be plaintext
 * ({@code envoy.transport_sockets.raw_buffer}, or none) or {@code envoy.transport_sockets.tls} with an
 * {@code UpstreamTlsContext} ({@link UpstreamTlsParser}; istiod's ISTIO_MUTUAL); any other socket is
 * NACKed rather than called in plaintext: the mesh never fails open. Entries of
 * {@code transport_socket_matches} must be plaintext.
 *
 * <p>Envoy picks the socket per endpoint: the first {@code transport_socket_matches} entry whose
 * {@code match} is a subset of the endpoint's {@code envoy.transport_socket_match} metadata (Istio
 * auto-mTLS: {@code tlsMode: istio} → TLS), else {@code transport_socket}. Endpoints and their
 * metadata arrive by EDS after the cluster is accepted and change without a CDS update, so every
 * entry that some endpoint could select is checked: each match up to and including the first with an
 * empty {@code match} (it selects every endpoint, so nothing after it is reachable), and
 * {@code transport_socket} unless such a catch-all entry precedes it.
 */
final class TransportSocketParser {
  static final String RAW_BUFFER = "envoy.transport_sockets.raw_buffer";
  static final String TLS = "envoy.transport_sockets.tls";
  private static final String TYPE_PREFIX = "type.googleapis.com/";
  private static final String RAW_BUFFER_TYPE = "envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer";
  private static final String TLS_TYPE = "envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext";

  private TransportSocketParser() {}

  /**
   * The cluster's TLS context, or {@code null} for plaintext.
   *
   * @param instances the bootstrap's certificate provider instance names
   * @throws ResourceException naming the field when a socket that some endpoint could use is neither
   *     plaintext nor a TLS context that can be satisfied
   */
  static UpstreamTls parse(Cluster c, Set<String> instances) throws ResourceException {
    boolean catchAll = false;
    for (int i = 0; i < c.getTransportSocketMatchesCount() && !catchAll; i++) {
      Cluster.TransportSocketMatch m = c.getTransportSocketMatches(i);
      if (m.hasTransportSocket()) {
        requirePlaintext(m.getTransportSocket(), "transport_socket_matches[" + i + "].transport_socket",
            m.getName().isEmpty() ? "" : " (match '" + m.getName() + "')");
      }
      catchAll = m.getMatch().getFieldsCount() == 0;
    }
    if (catchAll || !c.hasTransportSocket()) {
      return null;
    }
    TransportSocket socket = c.getTransportSocket();
    if (isTls(socket)) {
      if (!socket.hasTypedConfig()) {
        throw new ResourceException("transport_socket.typed_config", "an UpstreamTlsContext is required for " + TLS);
      }
      String at = "transport_socket.typed_config";
      return UpstreamTlsParser.parse(UpstreamTlsParser.unpack(socket.getTypedConfig(), at), at, instances);
    }
    requirePlaintext(socket, "transport_socket", "");
    return null;
  }

  private static boolean isTls(TransportSocket socket) {
    String type = socket.hasTypedConfig() ? socket.getTypedConfig().getTypeUrl() : "";
    return type.equals(TYPE_PREFIX + TLS_TYPE) || (type.isEmpty() && socket.getName().equals(TLS));
  }

  private static void requirePlaintext(TransportSocket socket, String field, String match) throws ResourceException {
    String type = socket.hasTypedConfig() ? socket.getTypedConfig().getTypeUrl() : "";
    if (type.startsWith(TYPE_PREFIX)) {
      type = type.substring(TYPE_PREFIX.length());
    }
    String name = socket.getName();
    if (type.equals(TLS_TYPE) || (type.isEmpty() && name.equals(TLS))) {
      throw new ResourceException(field, TLS + match + " is not supported in transport_socket_matches yet; "
          + "refusing to send plaintext");
    }
    if (type.equals(RAW_BUFFER_TYPE) || (type.isEmpty() && name.equals(RAW_BUFFER))) {
      return;
    }
    String what = type.isEmpty() ? (name.isEmpty() ? "a transport socket without name or typed_config" : name)
        : name.isEmpty() ? type : name + " (" + type + ")";
    throw new ResourceException(field, what + match + " is not supported; only " + RAW_BUFFER
        + " (plaintext) is, refusing to connect without it");
  }
}
