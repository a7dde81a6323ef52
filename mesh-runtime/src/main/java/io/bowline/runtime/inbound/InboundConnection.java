package io.bowline.runtime.inbound;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * A connection {@link InboundPort#accept(Socket)} let onto the mesh. Read and write through {@link #in()} and
 * {@link #out()} (for a plaintext connection {@link #in()} replays the bytes the sniffer read); close the
 * {@link #socket()} when done.
 *
 * @param socket the socket: an {@code SSLSocket} over the accepted one for TLS, else the accepted socket
 * @param in what the client sends
 * @param out what goes to the client
 * @param tls whether the connection is TLS
 * @param peer the verified client identity, or {@code null} (plaintext, or no client certificate)
 * @param serverName the SNI the client sent, or {@code ""}
 */
public record InboundConnection(Socket socket, InputStream in, OutputStream out, boolean tls, PeerIdentity peer,
    String serverName) {

  /**
   * The RBAC input for one request on this connection.
   *
   * @param method {@code :method}
   * @param path {@code :path}
   * @param authority {@code :authority} or {@code Host}
   * @param headers the other request headers
   * @return the request
   */
  public InboundRequest request(String method, String path, String authority,
      java.util.Map<String, java.util.List<String>> headers) {
    return new InboundRequest(peer, tls, serverName, (InetSocketAddress) socket.getLocalSocketAddress(),
        (InetSocketAddress) socket.getRemoteSocketAddress(), method, path, authority, headers);
  }
}
