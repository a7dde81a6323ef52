package io.bowline.runtime.docs;

import io.bowline.api.filter.Exchange;
import io.bowline.api.filter.ExchangeResponse;
import io.bowline.api.filter.HttpFilter;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** docs/filters.md, example 2: time every call, retries and local replies included. */
public final class TimingFilter implements HttpFilter {
  private final Consumer<String> log;

  public TimingFilter(Consumer<String> log) {
    this.log = log;
  }

  @Override
  public CompletionStage<ExchangeResponse> filter(Exchange exchange, Next next) {
    exchange.onAttempt(a -> log.accept("attempt " + a.number() + " to " + a.host() + ": " + a.status()));
    exchange.onComplete(e -> log.accept(e.method() + " " + e.authority() + e.path() + " -> " + e.status()
        + " [" + e.responseFlags() + "] in " + TimeUnit.NANOSECONDS.toMillis(e.durationNanos()) + " ms"
        + " (cluster " + e.clusterName() + ", " + e.attempts() + " attempts)"));
    return next.proceed(exchange);
  }

  @Override
  public String name() {
    return "example.timing";
  }
}
