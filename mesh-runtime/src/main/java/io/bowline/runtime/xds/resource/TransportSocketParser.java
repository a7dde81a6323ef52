package io.bowline.runtime.xds.resource;

import io.bowline.api.config.UpstreamTls;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.bowline.api.config.TransportSocketMatch;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The transport sockets of a cluster: {@code Cluster.transport_socket} may be plaintext
 * ({@code envoy.transport_sockets.raw_buffer}, or none) or {@code envoy.transport_sockets.tls} with an
 * {@code UpstreamTlsContext} ({@link UpstreamTlsParser}; istiod's ISTIO_MUTUAL); any other socket is
 * NACKed rather than called in plaintext: the mesh never fails open. {@code transport_socket_matches} entries
 * are read the same way (Istio auto-mTLS: {@code tlsMode: istio} → TLS, the catch-all → plaintext).
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
   * The cluster's sockets.
   *
   * @param tls the {@code transport_socket}'s TLS context, or {@code null} for plaintext (also when a catch-all
   *     match makes it unreachable)
   * @param matches the {@code transport_socket_matches} entries some endpoint could select
   */
  record Sockets(UpstreamTls tls, List<TransportSocketMatch> matches) {
    static final Sockets PLAINTEXT = new Sockets(null, List.of());
  }

  /**
   * The cluster's transport sockets.
   *
   * @param instances the bootstrap's certificate provider instance names
   * @throws ResourceException naming the field when a socket that some endpoint could use is neither
   *     plaintext nor a TLS context that can be satisfied
   */
  static Sockets parse(Cluster c, Set<String> instances) throws ResourceException {
    boolean catchAll = false;
    List<TransportSocketMatch> matches = new ArrayList<>();
    for (int i = 0; i < c.getTransportSocketMatchesCount() && !catchAll; i++) {
      Cluster.TransportSocketMatch m = c.getTransportSocketMatches(i);
      String at = "transport_socket_matches[" + i + "]";
      Map<String, String> match = new HashMap<>();
      for (var f : m.getMatch().getFieldsMap().entrySet()) {
        if (!f.getValue().hasStringValue()) {
          throw new ResourceException(at + ".match." + f.getKey(), "only string values are supported");
        }
        match.put(f.getKey(), f.getValue().getStringValue());
      }
      UpstreamTls tls = m.hasTransportSocket() ? socket(m.getTransportSocket(), at + ".transport_socket",
          m.getName().isEmpty() ? "" : " (match '" + m.getName() + "')", instances) : null;
      matches.add(new TransportSocketMatch(m.getName(), match, tls));
      catchAll = match.isEmpty();
    }
    UpstreamTls tls = catchAll || !c.hasTransportSocket() ? null
        : socket(c.getTransportSocket(), "transport_socket", "", instances);
    return tls == null && matches.isEmpty() ? Sockets.PLAINTEXT : new Sockets(tls, matches);
  }

  /** The TLS context of {@code socket}, or {@code null} for plaintext. */
  private static UpstreamTls socket(TransportSocket socket, String field, String match, Set<String> instances)
      throws ResourceException {
    if (isTls(socket)) {
      if (!socket.hasTypedConfig()) {
        throw new ResourceException(field + ".typed_config", "an UpstreamTlsContext is required for " + TLS + match);
      }
      String at = field + ".typed_config";
      return UpstreamTlsParser.parse(UpstreamTlsParser.unpack(socket.getTypedConfig(), at), at, instances);
    }
    requirePlaintext(socket, field, match);
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
    if (type.equals(RAW_BUFFER_TYPE) || (type.isEmpty() && name.equals(RAW_BUFFER))) {
      return;
    }
    String what = type.isEmpty() ? (name.isEmpty() ? "a transport socket without name or typed_config" : name)
        : name.isEmpty() ? type : name + " (" + type + ")";
    throw new ResourceException(field, what + match + " is not supported; only " + RAW_BUFFER
        + " (plaintext) is, refusing to connect without it");
  }
}
