package io.bowline.spring.http;

import java.net.URI;
import org.springframework.http.HttpHeaders;

/**
 * One HTTP request with its body in memory, as Spring's clients hand it to {@link MeshHttpTransport}.
 *
 * @param method the method, e.g. {@code GET}
 * @param uri the absolute URI the application called (scheme, {@code host:port}, path, query)
 * @param headers the request headers (not {@code Host}: the URI's authority is the request's)
 * @param body the request body, empty for none
 */
public record BufferedRequest(String method, URI uri, HttpHeaders headers, byte[] body) {

  /** The URI's port, or its scheme's default. */
  int port() {
    int port = uri.getPort();
    return port >= 0 ? port : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
  }

  /** The raw path and query, {@code /} when the URI has no path. */
  String pathAndQuery() {
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    return uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
  }

  /** The {@code Host} a client sends for the URI: the port only when it is not the scheme's default. */
  String authority() {
    String host = uri.getHost();
    int port = uri.getPort();
    return port < 0 || port == ("https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80) ? host : host + ":" + port;
  }
}
