package io.bowline.runtime.snapshot;

import io.bowline.api.config.HttpTelemetry;
import io.bowline.api.config.PeerMetadataExchange;
import io.bowline.runtime.routing.CompiledRouteConfig;

/**
 * An outbound listener ready for the data path.
 *
 * @param name listener name, e.g. {@code reviews.default.svc.cluster.local:9080}
 * @param routes its compiled route configuration, or {@code null} while RDS has not delivered it
 *     (or it does not exist): calls then get Envoy's 404 {@code NR}
 * @param telemetry its HCM's {@code tracing} and {@code access_log}
 * @param peerMetadata its {@code istio.metadata_exchange} filter's config, or {@code null} without one
 */
public record OutboundListener(String name, CompiledRouteConfig routes, HttpTelemetry telemetry,
    PeerMetadataExchange peerMetadata) {
  /** Checks the telemetry: {@code null} is {@link HttpTelemetry#NONE}. */
  public OutboundListener {
    telemetry = telemetry == null ? HttpTelemetry.NONE : telemetry;
  }

  /**
   * A listener without telemetry settings.
   *
   * @param name listener name
   * @param routes its compiled route configuration, or {@code null}
   */
  public OutboundListener(String name, CompiledRouteConfig routes) {
    this(name, routes, HttpTelemetry.NONE, null);
  }
}
