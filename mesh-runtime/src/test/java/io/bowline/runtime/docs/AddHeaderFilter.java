package io.bowline.runtime.docs;

import io.bowline.api.filter.Exchange;
import io.bowline.api.filter.ExchangeResponse;
import io.bowline.api.filter.HttpFilter;
import java.util.concurrent.CompletionStage;

/** docs/filters.md, example 1: add a header to every request the mesh routes. */
public final class AddHeaderFilter implements HttpFilter {
  private final String name;
  private final String value;

  public AddHeaderFilter(String name, String value) {
    this.name = name;
    this.value = value;
  }

  @Override
  public CompletionStage<ExchangeResponse> filter(Exchange exchange, Next next) {
    exchange.setHeader(name, value);
    return next.proceed(exchange);
  }
}
