package io.bowline.proxy.inbound;

import io.bowline.runtime.inbound.PeerIdentity;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.List;

/**
 * Envoy's {@code x-forwarded-client-cert} as Istio configures a sidecar's inbound connection manager:
 * {@code forward_client_cert_details: APPEND_FORWARD} with {@code set_current_client_cert_details} {@code subject},
 * {@code uri} and {@code dns}. On a connection whose client presented a certificate (mTLS) the element
 * {@code By=<own URI SAN>;Hash=<SHA-256 of the client's leaf, hex>;Subject="<subject, RFC 2253>";URI=<client's
 * first URI SAN>;DNS=<each DNS SAN>} is appended to what the client sent (after a comma); {@code By} is left out
 * when the proxy's certificate has no URI SAN, {@code Subject} and {@code URI} are present even when empty. On any
 * other connection (plaintext, or TLS without a client certificate) a client-supplied header is removed, never
 * forwarded (Envoy sanitizes unless {@code ALWAYS_FORWARD_ONLY}).
 */
final class ClientCertDetails {
  /** The header's name. */
  static final String HEADER = "x-forwarded-client-cert";

  private ClientCertDetails() {}

  /** Appends this connection's element to {@code headers}, or removes the header when there is no client certificate. */
  static void apply(HttpHeaders headers, InboundConnection.Identity id) {
    if (id.peer() == null) {
      headers.remove(HEADER);
      return;
    }
    String element = element(id.localUri(), id.peerCertSha256(), id.peer());
    List<String> sent = headers.getAll(HEADER);
    headers.set(HEADER, sent.isEmpty() ? element : String.join(",", sent) + "," + element);
  }

  /** One XFCC element in Envoy's order: By, Hash, Subject, URI, DNS. */
  static String element(String by, String hash, PeerIdentity peer) {
    List<String> parts = new ArrayList<>(5);
    if (!by.isEmpty()) {
      parts.add("By=" + by);
    }
    if (!hash.isEmpty()) {
      parts.add("Hash=" + hash);
    }
    parts.add("Subject=\"" + peer.subject() + "\"");
    parts.add("URI=" + peer.principal());
    for (String dns : peer.dnsSans()) {
      parts.add("DNS=" + dns);
    }
    return String.join(";", parts);
  }
}
