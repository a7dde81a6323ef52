package io.bowline.spring.inbound;

import io.bowline.runtime.inbound.InboundRequest;
import io.bowline.runtime.inbound.RbacDecision;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.AtomicLong;
import org.reactivestreams.Publisher;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.http.server.reactive.SslInfo;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The WebFlux side of the inbound path, as {@link InboundServletFilter} is MVC's: the RBAC check with the peer
 * identity of the verified client certificate ({@link SslInfo#getPeerCertificates()}), denied requests answered
 * {@code 403} {@code RBAC: access denied}; Istio's inbound metrics ({@code reporter="destination"}) when the
 * response ends, body bytes counted as they stream; and {@code x-request-id} (or a new one) and the trace context
 * headers into an {@link InboundContext}, held as the exchange attribute {@link InboundContext#ATTRIBUTE} and in the
 * Reactor context of the request's handling (key {@code InboundContext.class}), from which the mesh's WebClient
 * connector passes it to the routed calls made while serving the request ({@link InboundPropagation}).
 */
public final class InboundWebFilter implements WebFilter {
  private final InboundGuard guard;

  /** @param guard the RBAC check and metrics of the application's mesh client, or {@code null} for neither */
  public InboundWebFilter(InboundGuard guard) {
    this.guard = guard;
  }

  /** Propagation only: no RBAC check, no metrics. */
  public InboundWebFilter() {
    this(null);
  }

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
    long start = System.nanoTime();
    InboundRequest inbound = guard == null ? null : inbound(exchange.getRequest());
    if (inbound != null) {
      RbacDecision decision = guard.check(inbound);
      if (decision != null && !decision.allowed()) {
        byte[] body = RbacDecision.DENIED_BODY.getBytes(StandardCharsets.UTF_8);
        ServerHttpResponse response = exchange.getResponse();
        response.setStatusCode(HttpStatus.FORBIDDEN);
        response.getHeaders().setContentType(MediaType.TEXT_PLAIN);
        response.getHeaders().setContentLength(body.length);
        return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(body)))
            .doFinally(s -> guard.record(inbound, HttpStatus.FORBIDDEN.value(), InboundGuard.RBAC_FLAG,
                System.nanoTime() - start, 0, body.length));
      }
    }
    InboundContext context = InboundContext.of(exchange.getRequest().getHeaders()::getFirst);
    exchange.getAttributes().put(InboundContext.ATTRIBUTE, context);
    if (inbound == null) {
      return chain.filter(exchange).contextWrite(c -> c.put(InboundContext.class, context));
    }
    AtomicLong requestBytes = new AtomicLong();
    AtomicLong responseBytes = new AtomicLong();
    ServerWebExchange counted = exchange.mutate()
        .request(new ServerHttpRequestDecorator(exchange.getRequest()) {
          @Override
          public Flux<DataBuffer> getBody() {
            return super.getBody().doOnNext(b -> requestBytes.addAndGet(b.readableByteCount()));
          }
        })
        .response(new ServerHttpResponseDecorator(exchange.getResponse()) {
          @Override
          public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
            return super.writeWith(Flux.from(body).doOnNext(b -> responseBytes.addAndGet(b.readableByteCount())));
          }

          @Override
          public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> body) {
            return super.writeAndFlushWith(Flux.from(body).map(p -> Flux.from(p)
                .doOnNext(b -> responseBytes.addAndGet(b.readableByteCount()))));
          }
        })
        .build();
    return chain.filter(counted).contextWrite(c -> c.put(InboundContext.class, context))
        .doFinally(s -> {
          HttpStatusCode status = exchange.getResponse().getStatusCode();
          guard.record(inbound, status == null ? 200 : status.value(), "", System.nanoTime() - start,
              requestBytes.get(), responseBytes.get());
        });
  }

  private static java.util.Map<String, java.util.List<String>> headers(ServerHttpRequest request) {
    java.util.Map<String, java.util.List<String>> headers = new java.util.LinkedHashMap<>();
    request.getHeaders().forEach(headers::put);
    return headers;
  }

  /** The request as RBAC sees it: its connection (peer, TLS, addresses) and head. */
  private static InboundRequest inbound(ServerHttpRequest request) {
    SslInfo ssl = request.getSslInfo();
    X509Certificate[] chain = ssl == null ? null : ssl.getPeerCertificates();
    InetSocketAddress local = request.getLocalAddress();
    InetSocketAddress remote = request.getRemoteAddress();
    String query = request.getURI().getRawQuery();
    String host = request.getHeaders().getFirst("host");
    return new InboundRequest(InboundGuard.peer(chain), ssl != null, "",
        local == null ? new InetSocketAddress(0) : local, remote == null ? new InetSocketAddress(0) : remote,
        request.getMethod().name(), request.getURI().getRawPath() + (query == null ? "" : "?" + query),
        host == null ? "" : host, headers(request));
  }
}
