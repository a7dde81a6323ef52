package io.bowline.runtime.admin;

import io.bowline.api.ClientStatus;
import io.bowline.runtime.snapshot.MeshSnapshot;
import io.bowline.runtime.upstream.Resilience;
import io.bowline.runtime.xds.ResourceDump;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;

/**
 * What the admin handlers read of one mesh client. The runtime's client implements it; every method is safe
 * from any thread and cheap enough to call per admin request.
 */
public interface AdminSource {

  /** The xDS status in CSDS shape. */
  ClientStatus status();

  /** Every resource with what the server sent for it (the accepted one, the rejected one while NACKED). */
  List<ResourceDump> resources();

  /** The node the client identifies itself with ({@code envoy.config.core.v3.Node}). */
  Node node();

  /** The configuration the data path reads now. */
  MeshSnapshot snapshot();

  /** The live cluster-manager state: host health, outlier ejections, circuit-breaker counters. */
  Resilience resilience();

  /** The registry the client's meters are in. */
  MeterRegistry meterRegistry();

  /**
   * Merges the meters' buffered values into {@link #meterRegistry()} (the histograms a stats flush updates, as
   * Envoy's admin shows histograms as of the last flush); the {@code /stats} handlers call it before they read.
   * By default nothing is buffered.
   */
  default void flushStats() {}

  /** Whether the first complete configuration was applied (Envoy's {@code /ready} answers {@code LIVE}). */
  boolean ready();
}
