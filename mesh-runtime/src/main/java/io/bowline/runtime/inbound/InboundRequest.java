package io.bowline.runtime.inbound;

import io.bowline.api.MeshRequest;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One request arriving on an inbound port, as RBAC sees it (gRFC A41 / Envoy {@code config.rbac.v3}): the
 * connection (peer identity, addresses, SNI, whether it is TLS) and the request head. For gRPC the method is
 * {@code POST} and the path {@code /<service>/<method>}.
 *
 * @param peer the verified client certificate's identity, or {@code null} (plaintext, or no certificate)
 * @param tls whether the connection is TLS
 * @param serverName the SNI the client sent, or {@code ""}
 * @param local the server's address of the connection (RBAC {@code destination_ip}, {@code destination_port})
 * @param remote the client's address (RBAC {@code direct_remote_ip}, {@code remote_ip})
 * @param method {@code :method}
 * @param path {@code :path}, with the query if any
 * @param authority {@code :authority} (HTTP/1.1 {@code Host}), or {@code ""}
 * @param headers the other request headers by name (any case; multiple values joined with {@code ,} when matched)
 */
public record InboundRequest(PeerIdentity peer, boolean tls, String serverName, InetSocketAddress local,
    InetSocketAddress remote, String method, String path, String authority, Map<String, List<String>> headers)
    implements MeshRequest {

  /**
   * Checks the components and keeps a copy of the headers with lower-case names.
   *
   * @param peer the verified client identity, or {@code null}
   * @param tls whether the connection is TLS
   * @param serverName the SNI, or {@code ""}
   * @param local the server's address of the connection
   * @param remote the client's address
   * @param method {@code :method}
   * @param path {@code :path}
   * @param authority {@code :authority}, or {@code ""}
   * @param headers the other headers
   * @throws NullPointerException if a component other than {@code peer} is null
   */
  public InboundRequest {
    Objects.requireNonNull(serverName, "serverName");
    Objects.requireNonNull(local, "local");
    Objects.requireNonNull(remote, "remote");
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(authority, "authority");
    Map<String, List<String>> lower = new TreeMap<>();
    headers.forEach((k, v) -> lower.computeIfAbsent(k.toLowerCase(Locale.ROOT), x -> new java.util.ArrayList<>())
        .addAll(v));
    lower.replaceAll((k, v) -> List.copyOf(v));
    headers = java.util.Collections.unmodifiableMap(lower);
  }

  @Override
  public String scheme() {
    return tls ? "https" : "http";
  }

  @Override
  public List<String> headers(String name) {
    return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
  }

  /** The path without its query ({@code url_path}). */
  public String urlPath() {
    int q = path.indexOf('?');
    return q < 0 ? path : path.substring(0, q);
  }
}
