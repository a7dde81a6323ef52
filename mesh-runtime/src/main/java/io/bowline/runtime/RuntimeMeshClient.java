package io.bowline.runtime;

import io.bowline.api.MeshClient;
import io.bowline.runtime.admin.AdminHandlers;
import io.bowline.runtime.pipeline.OutboundRouter;
import java.util.function.Supplier;

/**
 * The runtime's side of a {@link MeshClient}: what a transport adapter builds on. Every client that
 * {@code MeshClient.builder().build()} returns with {@code mesh-runtime} on the class path is one. It
 * knows no transport: each adapter takes the client's {@link #router()} and keeps its own per-client
 * state as an {@linkplain #attachment attachment}. Applications use the adapters' typed entry points
 * instead: {@link io.bowline.runtime.adapter.okhttp.BowlineOkHttp} and
 * {@link io.bowline.runtime.adapter.grpc.BowlineGrpc}.
 */
public interface RuntimeMeshClient extends MeshClient {

  /**
   * The runtime behind {@code mesh}.
   *
   * @throws IllegalArgumentException if {@code mesh} is null or not built by this runtime
   */
  static RuntimeMeshClient of(MeshClient mesh) {
    if (mesh instanceof RuntimeMeshClient r) {
      return r;
    }
    throw new IllegalArgumentException("expected a MeshClient built by Bowline's runtime (MeshClient.builder().build()), got "
        + (mesh == null ? "null" : mesh.getClass().getName()));
  }

  /**
   * Envoy's admin interface over this client as plain handlers ({@code /config_dump}, {@code /clusters},
   * {@code /stats}, the mesh page, CSDS), for a server other than the client's own admin endpoint to serve
   * (the proxy's admin port, a Spring Actuator endpoint). Close them when done.
   *
   * @return new handlers reading this client's live state
   */
  AdminHandlers adminHandlers();

  /** The exchange pipeline's entry every call of this client goes through (listener, route, cluster, filter chain). */
  OutboundRouter router();

  /**
   * The server side: this client's server listeners (gRFC A36) and the transport-neutral view of each inbound port
   * ({@code serverListeners().port(8443)}: mTLS per PeerAuthentication, the peer's SPIFFE identity, RBAC per
   * AuthorizationPolicy). Servers (grpc-java through {@code BowlineGrpc}, the proxy, the Spring starter) build on it.
   *
   * @return the client's server listeners
   */
  io.bowline.runtime.inbound.ServerListeners serverListeners();

  /**
   * Istio's standard metrics of this workload: the client's calls ({@code reporter="source"}, recorded by the
   * pipeline) and, for servers of the workload (the Spring starter's inbound filters, the proxy), the requests they
   * answer through {@link io.bowline.runtime.telemetry.IstioMetrics#recordInbound} ({@code reporter="destination"}).
   * The meters go to {@link #meterRegistry()}.
   *
   * @return the client's metrics
   */
  io.bowline.runtime.telemetry.IstioMetrics istioMetrics();

  /**
   * The registry this client's meters go to (Istio's standard metrics, Envoy's cluster statistics,
   * the xDS client's and the mirror's meters): a composite the runtime owns, holding the registry
   * given to {@code MeshClient.Builder.meterRegistry} (else Micrometer's global registry). Add a
   * registry to it (e.g. a {@code PrometheusMeterRegistry} for an admin page's
   * {@code /stats/prometheus}) to receive every meter, those made before included.
   *
   * @return the client's composite registry
   */
  io.micrometer.core.instrument.composite.CompositeMeterRegistry meterRegistry();

  /**
   * This client's one instance of {@code type}, made by {@code create} on first use and closed by the
   * client's {@code close()} (e.g. an adapter's pooled endpoint connections). Asked for after
   * {@code close()}, it is made and closed at once.
   *
   * @throws NullPointerException if {@code create} returns {@code null}
   */
  <T extends AutoCloseable> T attachment(Class<T> type, Supplier<? extends T> create);
}
