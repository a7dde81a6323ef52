package io.bowline.runtime.pipeline;

import io.bowline.api.MeshRequest;
import io.bowline.runtime.routing.HashPolicies;
import io.bowline.runtime.routing.RouteDecision;
import io.bowline.runtime.snapshot.ClusterEntry;
import io.bowline.runtime.snapshot.MeshSnapshot;
import io.bowline.runtime.snapshot.OutboundListener;
import java.util.function.Supplier;

/**
 * The transport-agnostic part of an outbound call: listener by {@code host:port}, virtual host
 * and route by the request, cluster by the route (weighted pick). Every adapter goes through here,
 * so OkHttp and gRPC make the same decisions. Reads one snapshot per call; no locks.
 */
public final class OutboundRouter {
  private final Supplier<MeshSnapshot> snapshots;
  private final String sourceAddress;
  private final io.bowline.runtime.resilience.Resilience resilience = new io.bowline.runtime.resilience.Resilience();

  /** @param snapshots the current snapshot (may wait for the first configuration) */
  public OutboundRouter(Supplier<MeshSnapshot> snapshots) {
    this(snapshots, null);
  }

  /**
   * @param snapshots the current snapshot (may wait for the first configuration)
   * @param sourceAddress this workload's IP, hashed by {@code connection_properties.source_ip}
   *     hash policies; {@code null} if unknown (such policies then yield nothing)
   */
  public OutboundRouter(Supplier<MeshSnapshot> snapshots, String sourceAddress) {
    this.snapshots = snapshots;
    this.sourceAddress = sourceAddress;
  }

  /** Live resilience state (circuit breakers, outlier detection) shared by every adapter of this client. */
  public io.bowline.runtime.resilience.Resilience resilience() {
    return resilience;
  }

  /** A cluster of the current snapshot by name (e.g. a mirror target), or {@code null}. */
  public ClusterEntry cluster(String name) {
    return snapshots.get().cluster(name);
  }

  /**
   * Routes one call.
   *
   * @param host the destination host as the application wrote it (e.g. {@code reviews})
   * @param port the destination port
   * @param request the request view (authority, path, headers)
   * @return never {@code null}
   */
  public RoutedCall route(String host, int port, MeshRequest request) {
    MeshSnapshot snapshot = snapshots.get();
    OutboundListener listener = snapshot.listener(host, port);
    if (listener == null) {
      return RoutedCall.PASS_THROUGH;
    }
    if (listener.routes() == null) {
      return RoutedCall.LocalReply.NO_ROUTE;
    }
    RouteDecision decision = listener.routes().route(request);
    if (decision instanceof RouteDecision.LocalReply reply) {
      return reply == RouteDecision.NO_ROUTE
          ? RoutedCall.LocalReply.NO_ROUTE
          : new RoutedCall.LocalReply(reply.status(), reply.responseFlags(), reply.body(), reply.headers());
    }
    RouteDecision.Forward forward = (RouteDecision.Forward) decision;
    ClusterEntry cluster = snapshot.cluster(forward.cluster());
    if (cluster == null) {
      return new RoutedCall.LocalReply(forward.clusterNotFoundStatus(), "NC", "");
    }
    return new RoutedCall.Upstream(forward.route(), cluster, listener.name(), forward.mutation(),
        HashPolicies.hash(forward.options().hashPolicies(), request, sourceAddress));
  }
}
