package io.bowline.spring.inbound;

import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * The WebFlux side of the inbound path, as {@link InboundServletFilter} is MVC's: extracts
 * {@code x-request-id} (or makes one) and the trace context headers into an {@link InboundContext},
 * held as the exchange attribute {@link InboundContext#ATTRIBUTE} and in the Reactor context of the
 * request's handling (key {@code InboundContext.class}), from which the mesh's WebClient connector
 * passes it to the routed calls made while serving the request ({@link InboundPropagation}).
 */
public final class InboundWebFilter implements WebFilter {

  @Override
  public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
    InboundContext context = InboundContext.of(exchange.getRequest().getHeaders()::getFirst);
    exchange.getAttributes().put(InboundContext.ATTRIBUTE, context);
    return chain.filter(exchange).contextWrite(c -> c.put(InboundContext.class, context));
  }
}
