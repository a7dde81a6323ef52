package io.bowline.runtime.router;

import io.bowline.api.filter.Exchange;
import io.bowline.api.filter.ExchangeResponse;
import io.bowline.api.filter.HttpFilter;
import io.bowline.runtime.pipeline.MeshExchange;
import java.util.concurrent.CompletionStage;

/**
 * {@code envoy.filters.http.router}: the last filter of every chain. Routes again if filters
 * edited the request, then hands the request to the adapter's {@link UpstreamCall}, or answers
 * with the route's local reply ({@code NR}, {@code NC}, direct responses, redirects).
 */
public final class RouterFilter implements HttpFilter {
  /** Envoy's name of the filter. */
  public static final String NAME = "envoy.filters.http.router";
  /** The one instance. */
  public static final RouterFilter INSTANCE = new RouterFilter();

  private RouterFilter() {}

  @Override
  public CompletionStage<ExchangeResponse> filter(Exchange exchange, Next next) {
    return ((MeshExchange) exchange).startRouter();
  }

  @Override
  public String name() {
    return NAME;
  }
}
