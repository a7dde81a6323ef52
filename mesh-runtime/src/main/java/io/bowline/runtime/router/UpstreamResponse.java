package io.bowline.runtime.router;

import io.bowline.api.filter.ExchangeResponse;
import io.bowline.runtime.upstream.Outcome;
import java.util.Locale;

/**
 * A response from an upstream, as the router returns it.
 *
 * @param response the transport's response head
 * @param outcome its outcome (status, header lookup)
 * @param responseFlags the router's flags ({@code URX}, {@code UT}), or {@code ""}
 * @param <R> the transport's response type
 */
public record UpstreamResponse<R>(R response, Outcome outcome, String responseFlags) implements ExchangeResponse {
  @Override
  public int status() {
    return outcome.httpStatus();
  }

  @Override
  public String header(String name) {
    return outcome.headers().get(name.toLowerCase(Locale.ROOT));
  }

  @Override
  public boolean local() {
    return false;
  }
}
