package io.bowline.spring.inbound;

import io.bowline.api.filter.Exchange;
import io.bowline.api.filter.ExchangeResponse;
import io.bowline.api.filter.HttpFilter;
import java.util.concurrent.CompletionStage;

/**
 * An {@link HttpFilter} that passes the inbound request's {@code x-request-id} and trace context
 * (the exchange's attribute {@link InboundContext#ATTRIBUTE}, which Spring's clients set from the
 * context of the request being served, else {@link InboundContext#current()}) to an outbound call, as Envoy's sidecar relays {@code
 * x-request-id}. The inbound {@code x-request-id} replaces the one the mesh's telemetry filter
 * (first in every chain) made for the call; trace headers the call does not carry are added.
 * Outside an inbound request it does nothing.
 */
public final class InboundPropagation implements HttpFilter {

  @Override
  public CompletionStage<ExchangeResponse> filter(Exchange exchange, Next next) {
    InboundContext context = exchange.attributes().get(InboundContext.ATTRIBUTE) instanceof InboundContext c ? c
        : InboundContext.current();
    if (context != null) {
      exchange.setHeader(InboundContext.REQUEST_ID, context.requestId());
      context.traceHeaders().forEach((name, value) -> {
        if (exchange.header(name) == null) {
          exchange.setHeader(name, value);
        }
      });
    }
    return next.proceed(exchange);
  }

  @Override
  public String name() {
    return "bowline.inbound_propagation";
  }
}
