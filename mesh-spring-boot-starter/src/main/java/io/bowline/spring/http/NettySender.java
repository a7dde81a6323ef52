package io.bowline.spring.http;

import io.netty.buffer.Unpooled;
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

  NettySender(HttpClient client) {
    this.client = client;
  }

  /**
   * @param url where to connect and what to ask for: {@code http://ip:port/path?query}
   * @param authority the {@code Host} header to send
   * @param headers the request headers ({@code Host} among them is replaced by {@code authority})
   * @param extra headers set after {@code headers} (attempt count, {@code x-forwarded-host}); may be empty
   * @param timeoutMillis how long the whole exchange may take, 0 for no limit
   * @param connectTimeoutMillis the connect timeout, 0 for the client's
   */
  Mono<BufferedResponse> send(String method, String url, String authority, HttpHeaders headers, byte[] body,
      Map<String, String> extra, long timeoutMillis, long connectTimeoutMillis) {
    HttpClient c = client;
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
