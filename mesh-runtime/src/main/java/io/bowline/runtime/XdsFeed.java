package io.bowline.runtime;

import io.bowline.api.ClientStatus;
import io.bowline.runtime.xds.XdsClientConfig;
import io.bowline.runtime.xds.XdsClientPool;
import io.bowline.runtime.xds.ResourceDump;
import io.bowline.runtime.xds.XdsResources;
import java.util.List;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.Consumer;

/** Configuration from xDS: a lease on the process's shared client for these servers and node. */
final class XdsFeed implements ConfigFeed {
  private final XdsClientPool.Lease lease;
  private final Runnable unbindMetrics;

  XdsFeed(XdsClientConfig config, MeterRegistry registry) {
    this.lease = XdsClientPool.shared().acquire(config);
    this.unbindMetrics = lease.client().bindMetrics(registry);
  }

  @Override
  public Runnable watch(Consumer<XdsResources> watcher) {
    return lease.client().watch(watcher);
  }

  @Override
  public void requestListener(String name) {
    lease.client().subscribeListener(name);
  }

  @Override
  public ClientStatus status() {
    return lease.client().status();
  }

  @Override
  public List<ResourceDump> dump() {
    return lease.client().dump();
  }

  @Override
  public String describe() {
    return lease.client().target();
  }

  @Override
  public void close() {
    unbindMetrics.run();
    lease.close();
  }
}
