package io.bowline.proxy.outbound;

import io.bowline.proxy.Transports;
import io.netty.channel.EventLoop;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The upstream connection pools of a proxy, one per event loop. */
public final class UpstreamPools {
  private final Transports transports;
  private final Map<EventLoop, UpstreamPool> pools = new ConcurrentHashMap<>();

  public UpstreamPools(Transports transports) {
    this.transports = transports;
  }

  UpstreamPool of(EventLoop loop) {
    return pools.computeIfAbsent(loop, l -> new UpstreamPool(l, transports));
  }

  /** Closes the idle upstream connections (on their loops). */
  public void closeIdle() {
    pools.forEach((loop, pool) -> loop.execute(pool::closeIdle));
  }
}
