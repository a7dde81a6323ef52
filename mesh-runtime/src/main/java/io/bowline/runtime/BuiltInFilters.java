package io.bowline.runtime;

import io.bowline.api.filter.HttpFilter;
import io.bowline.runtime.filter.fault.FaultFilter;
import io.bowline.runtime.filter.mirror.MirrorFilter;
import io.bowline.runtime.filter.mirror.Mirroring;
import io.bowline.runtime.pipeline.OutboundRouter;
import io.bowline.runtime.pipeline.RouteChains;
import io.bowline.runtime.router.RouterFilter;

/** The built-in filters of a client's chains: Envoy's fault filter, request mirroring, the router. */
final class BuiltInFilters implements RouteChains.BuiltIns {
  private final MirrorFilter mirror;

  BuiltInFilters(OutboundRouter router, Mirroring mirroring) {
    this.mirror = new MirrorFilter(router, mirroring);
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
