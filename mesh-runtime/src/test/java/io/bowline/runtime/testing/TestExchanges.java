package io.bowline.runtime.testing;

import io.bowline.api.MeshRequest;
import io.bowline.api.filter.ExchangeResponse;
import io.bowline.api.filter.HttpFilter;
import io.bowline.runtime.pipeline.CallScheduler;
import io.bowline.runtime.pipeline.CallerThreadScheduler;
import io.bowline.runtime.pipeline.MeshExchange;
import io.bowline.runtime.pipeline.RouteChain;
import io.bowline.runtime.pipeline.RoutedCall;
import io.bowline.runtime.router.RouterFilter;
import java.util.concurrent.CompletionStage;

/** Exchanges for tests of what a filter or a sink reads from one, without a snapshot or an upstream. */
public final class TestExchanges {
  private TestExchanges() {}

  /**
   * An exchange for {@code request} to {@code svc:80} on listener {@code svc:80}, decided as a local reply
   * ({@code NR}), whose chain holds only the router and whose calls run on the caller's thread; starting an
   * upstream attempt from it fails the test.
   */
  public static MeshExchange unrouted(MeshRequest request) {
    RouteChain chain = new RouteChain(null, new HttpFilter[] {RouterFilter.INSTANCE}, null, null);
    CallerThreadScheduler scheduler = new CallerThreadScheduler();
    return new MeshExchange("http", request, null, "svc", 80, "svc:80", RoutedCall.LocalReply.NO_ROUTE, chain,
        new MeshExchange.Upstreams() {
          @Override
          public CompletionStage<ExchangeResponse> start(MeshExchange exchange, RoutedCall.Upstream upstream) {
            throw new AssertionError("routed nowhere");
          }

          @Override
          public CallScheduler scheduler() {
            return scheduler;
          }
        });
  }
}
