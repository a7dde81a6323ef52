package io.bowline.spring.http;

import io.bowline.spring.inbound.InboundContext;
import java.net.URI;
import java.util.function.Function;
import org.reactivestreams.Publisher;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ResponseCookie;
import org.springframework.http.client.reactive.AbstractClientHttpRequest;
import org.springframework.http.client.reactive.ClientHttpConnector;
import org.springframework.http.client.reactive.ClientHttpRequest;
import org.springframework.http.client.reactive.ClientHttpResponse;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A non-blocking {@link ClientHttpConnector} whose requests the mesh routes
 * ({@link MeshHttpTransport}), for {@code WebClient}: no thread waits; the response arrives on a
 * Netty thread. Cancelling the subscription cancels the exchange. In a WebFlux application the
 * {@link InboundContext} of the request being served (the Reactor context's, put there by
 * {@link io.bowline.spring.inbound.InboundWebFilter}) goes with the request.
 */
public final class MeshClientHttpConnector implements ClientHttpConnector {
  private static final DataBufferFactory BUFFERS = DefaultDataBufferFactory.sharedInstance;

  private final MeshHttpTransport transport;

  /** @param transport the mesh's HTTP transport (the application's one bean) */
  public MeshClientHttpConnector(MeshHttpTransport transport) {
    this.transport = transport;
  }

  @Override
  public Mono<ClientHttpResponse> connect(HttpMethod method, URI uri,
      Function<? super ClientHttpRequest, Mono<Void>> requestCallback) {
    Request request = new Request(method, uri);
    return requestCallback.apply(request)
        .then(Mono.deferContextual(context -> Mono.fromFuture(InboundContext.with(
            context.getOrDefault(InboundContext.class, null), () -> transport.exchange(request.buffered())), true)))
        .map(Response::new);
  }

  /** Collects what WebClient writes: headers, cookies and the body joined into one array. */
  private static final class Request extends AbstractClientHttpRequest {
    private final HttpMethod method;
    private final URI uri;
    private final HttpHeaders sent = new HttpHeaders();
    private byte[] body = new byte[0];

    Request(HttpMethod method, URI uri) {
      this.method = method;
      this.uri = uri;
    }

    BufferedRequest buffered() {
      return new BufferedRequest(method.name(), uri, sent, body);
    }

    @Override
    public HttpMethod getMethod() {
      return method;
    }

    @Override
    public URI getURI() {
      return uri;
    }

    @Override
    public DataBufferFactory bufferFactory() {
      return BUFFERS;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T getNativeRequest() {
      return (T) this;
    }

    @Override
    public Mono<Void> writeWith(Publisher<? extends DataBuffer> content) {
      return doCommit(() -> DataBufferUtils.join(content).doOnNext(joined -> {
        byte[] bytes = new byte[joined.readableByteCount()];
        joined.read(bytes);
        DataBufferUtils.release(joined);
        body = bytes;
        sent.setContentLength(bytes.length);
      }).then());
    }

    @Override
    public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> content) {
      return writeWith(Flux.from(content).flatMap(p -> p));
    }

    @Override
    public Mono<Void> setComplete() {
      return doCommit();
    }

    @Override
    protected void applyHeaders() {
      sent.putAll(getHeaders());
    }

    @Override
    protected void applyCookies() {
      getCookies().values().stream().flatMap(java.util.List::stream)
          .forEach(cookie -> sent.add(HttpHeaders.COOKIE, cookie.toString()));
    }
  }

  private static final class Response implements ClientHttpResponse {
    private final BufferedResponse response;

    Response(BufferedResponse response) {
      this.response = response;
    }

    @Override
    public HttpStatusCode getStatusCode() {
      return HttpStatusCode.valueOf(response.status());
    }

    @Override
    public MultiValueMap<String, ResponseCookie> getCookies() {
      MultiValueMap<String, ResponseCookie> cookies = new LinkedMultiValueMap<>();
      java.util.List<String> values = response.headers().get(HttpHeaders.SET_COOKIE);
      if (values != null) {
        for (String v : values) {
          java.net.HttpCookie.parse(v).forEach(c -> cookies.add(c.getName(),
              ResponseCookie.from(c.getName(), c.getValue()).build()));
        }
      }
      return cookies;
    }

    @Override
    public HttpHeaders getHeaders() {
      return response.headers();
    }

    @Override
    public Flux<DataBuffer> getBody() {
      return response.body().length == 0 ? Flux.empty() : Flux.just(BUFFERS.wrap(response.body()));
    }
  }
}
