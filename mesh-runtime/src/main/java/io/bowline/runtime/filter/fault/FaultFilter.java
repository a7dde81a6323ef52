package io.bowline.runtime.filter.fault;

import io.bowline.api.filter.Exchange;
import io.bowline.api.filter.ExchangeResponse;
import io.bowline.api.filter.HttpFilter;
import io.bowline.runtime.pipeline.LocalResponse;
import io.bowline.runtime.pipeline.MeshExchange;
import io.bowline.runtime.pipeline.ResponseFlags;
import io.bowline.runtime.filter.common.fault.FaultDecision;
import io.bowline.runtime.filter.common.fault.FaultInjector;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * {@code envoy.filters.http.fault} (spec §5, gRFC A33): the route's fault decision
 * ({@link FaultInjector}: {@code upstream_cluster}, {@code headers}, independent draws, header
 * control, {@code max_active_faults}); a delay waits on the exchange's scheduler (flag {@code DI}),
 * never on a thread of its own; an abort answers locally with {@code http_status} or
 * {@code grpc_status} (flag {@code FI}). The {@code max_active_faults} slot is held until the delay
 * ends or the abort is sent.
 */
public final class FaultFilter implements HttpFilter {
  /** Envoy's name of the filter. */
  public static final String NAME = "envoy.filters.http.fault";
  /** The one instance: its state is in each route's compiled chain. */
  public static final FaultFilter INSTANCE = new FaultFilter();

  private FaultFilter() {}

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public CompletionStage<ExchangeResponse> filter(Exchange exchange, Next next) {
    MeshExchange ex = (MeshExchange) exchange;
    FaultInjector injector = ex.chain().fault();
    String cluster = ex.clusterName();
    FaultDecision fault = injector == null || cluster == null ? null : injector.decide(ex, cluster);
    if (fault == null) {
      return next.proceed(exchange);
    }
    if (!fault.delays()) {
      fault.finish();
      return CompletableFuture.completedFuture(abort(fault));
    }
    CompletableFuture<ExchangeResponse> out = new CompletableFuture<>();
    boolean[] finished = {false};
    Runnable release = () -> {
      if (!finished[0]) {
        finished[0] = true;
        fault.finish();
      }
    };
    ex.result().whenComplete((r, e) -> release.run()); // interrupted during the delay
    ex.delay(TimeUnit.MILLISECONDS.toNanos(fault.delayMillis()), () -> {
      release.run();
      ex.addFlags(ResponseFlags.DI);
      if (fault.aborts()) {
        out.complete(abort(fault));
        return;
      }
      next.proceed(exchange).whenComplete((r, e) -> {
        if (e != null) {
          out.completeExceptionally(e);
        } else {
          out.complete(r);
        }
      });
    });
    return out;
  }

  private static LocalResponse abort(FaultDecision fault) {
    if (fault.httpStatus() > 0) {
      return LocalResponse.of(fault.httpStatus(), ResponseFlags.FI, "fault filter abort");
    }
    return new LocalResponse(200, ResponseFlags.FI, "fault filter abort", Map.of(), fault.grpcStatus(), null);
  }
}
