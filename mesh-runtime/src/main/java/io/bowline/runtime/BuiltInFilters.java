package io.bowline.runtime;

import io.bowline.api.filter.HttpFilter;
import io.bowline.runtime.filter.fault.FaultFilter;
import io.bowline.runtime.filter.mirror.MirrorFilter;
import io.bowline.runtime.filter.mirror.Mirroring;
import io.bowline.runtime.pipeline.OutboundRouter;
import io.bowline.runtime.pipeline.RouteChains;
import io.bowline.runtime.router.RouterFilter;

/** The built-in filters of a client's chains: telemetry, Envoy's fault filter, request mirroring, the router. */
final class BuiltInFilters implements RouteChains.BuiltIns {
  private final MirrorFilter mirror;
  private final HttpFilter telemetry;

  BuiltInFilters(OutboundRouter router, Mirroring mirroring, HttpFilter telemetry) {
    this.mirror = new MirrorFilter(router, mirroring);
    this.telemetry = telemetry;
  }

  @Override
  public HttpFilter telemetry() {
    return telemetry;
  }

  @Override
  public HttpFilter fault() {
    return FaultFilter.INSTANCE;
  }

  @Override
  public HttpFilter mirror() {
    return mirror;
  }

  @Override
  public HttpFilter router() {
    return RouterFilter.INSTANCE;
  }
}
