package io.bowline.spring.http;

import io.bowline.runtime.tls.UpstreamTlsHandle;
import io.netty.buffer.Unpooled;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.JdkSslContext;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

/**
 * Sends one buffered request with Reactor Netty: to the URL given, with the {@code Host} given (the
 * route's authority, not the endpoint's address), the body in memory and the response read whole.
 */
final class NettySender {
  private final HttpClient client;
  /** One secured client per cluster TLS handle, so its connections are pooled apart and reused. */
  private final Map<UpstreamTlsHandle, HttpClient> secured = new ConcurrentHashMap<>();

  NettySender(HttpClient client) {
    this.client = client;
  }

  /** Like {@link #send(String, String, String, HttpHeaders, byte[], Map, long, long, UpstreamTlsHandle)} in plaintext. */
  Mono<BufferedResponse> send(String method, String url, String authority, HttpHeaders headers, byte[] body,
      Map<String, String> extra, long timeoutMillis, long connectTimeoutMillis) {
    return send(method, url, authority, headers, body, extra, timeoutMillis, connectTimeoutMillis, null);
  }

  /**
   * The client for a cluster's TLS handle: its SSLContext presents the workload certificate and verifies
   * the peer's SPIFFE ID, so host-name verification is off (the endpoint is an address), and SNI is
   * the handle's when it is a host name.
   */
  private HttpClient secured(UpstreamTlsHandle tls) {
    return secured.computeIfAbsent(tls, h -> client.secure(spec -> {
      var builder = spec.sslContext(new JdkSslContext(h.sslContext(), true, ClientAuth.NONE))
          .handlerConfigurator(handler -> {
            SSLEngine engine = handler.engine();
            SSLParameters p = engine.getSSLParameters();
            p.setEndpointIdentificationAlgorithm(null);
            engine.setSSLParameters(p);
          });
      if (!h.sni().isEmpty()) {
        builder.serverNames(new SNIHostName(h.sni()));
      }
    }));
  }

  /**
   * @param url where to connect and what to ask for: {@code http://ip:port/path?query}
   * @param authority the {@code Host} header to send
   * @param headers the request headers ({@code Host} among them is replaced by {@code authority})
   * @param extra headers set after {@code headers} (attempt count, {@code x-forwarded-host}); may be empty
   * @param timeoutMillis how long the whole exchange may take, 0 for no limit
   * @param connectTimeoutMillis the connect timeout, 0 for the client's
   * @param tls the cluster's TLS (an {@code https} URL then), or {@code null} for plaintext
   */
  Mono<BufferedResponse> send(String method, String url, String authority, HttpHeaders headers, byte[] body,
      Map<String, String> extra, long timeoutMillis, long connectTimeoutMillis, UpstreamTlsHandle tls) {
    HttpClient c = tls == null ? client : secured(tls);
    if (connectTimeoutMillis > 0) {
      c = c.option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeoutMillis));
    }
    c = c.headers(h -> {
      for (Map.Entry<String, List<String>> e : headers.headerSet()) {
        if (!e.getKey().equalsIgnoreCase("Host")) {
          h.add(e.getKey(), e.getValue());
        }
      }
      extra.forEach(h::set);
      h.set(HttpHeaderNames.HOST, authority);
    });
    HttpClient.RequestSender sender = c.request(HttpMethod.valueOf(method)).uri(url);
    HttpClient.ResponseReceiver<?> receiver = body.length == 0 ? sender : sender.send(Mono.fromSupplier(() -> Unpooled.wrappedBuffer(body)));
    Mono<BufferedResponse> response = receiver.responseSingle((head, content) -> content.asByteArray()
        .defaultIfEmpty(new byte[0])
        .map(bytes -> {
          HttpHeaders out = new HttpHeaders();
          head.responseHeaders().forEach(e -> out.add(e.getKey(), e.getValue()));
          return new BufferedResponse(head.status().code(), out, bytes);
        }));
    return timeoutMillis > 0 ? response.timeout(Duration.ofMillis(timeoutMillis)) : response;
  }
}
