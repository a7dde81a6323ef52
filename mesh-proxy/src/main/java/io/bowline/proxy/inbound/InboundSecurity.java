package io.bowline.proxy.inbound;

import io.bowline.api.config.PeerMetadataExchange;
import io.bowline.proxy.outbound.RequestGuard;
import io.bowline.runtime.inbound.InboundPort;
import io.bowline.runtime.inbound.InboundRequest;
import io.bowline.runtime.inbound.RbacDecision;
import io.bowline.runtime.inbound.ServerListeners;
import io.bowline.runtime.pipeline.LocalResponse;
import io.bowline.runtime.telemetry.IstioMetrics;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy's inbound listener on the mesh: what a sidecar's inbound listener does, from the mesh client's server
 * listeners (gRFC A36 as the control plane writes them from PeerAuthentication and AuthorizationPolicy).
 *
 * <ul>
 *   <li>Which server listener: the one for the port the connection arrived on (the endpoint port callers are sent
 *       to when the workload's endpoint is the proxy), else the one for the application's port (Istio's sidecar
 *       layout, where that port's traffic is redirected to the inbound listener). With neither, every connection
 *       is refused: never open.
 *   <li>Per connection ({@link #install}): the mode, TLS terminated with the port's {@code SSLContext} (the
 *       workload certificate of the mesh client's certificate provider, following rotation; clients verified as
 *       SPIFFE peers of the trust domain).
 *   <li>Per request ({@link #admit}): the RBAC filters with the peer's principal, method, path, authority, headers
 *       and ports; a denied request gets 403 {@code RBAC: access denied} (a gRPC call {@code PERMISSION_DENIED}),
 *       logged with Envoy's {@code rbac_access_denied_matched_policy[...]}; an admitted one gets Istio's
 *       {@code x-forwarded-client-cert} ({@link ClientCertDetails}).
 *   <li>Per answer ({@link #answered}): Istio's request metrics with {@code reporter="destination"}
 *       ({@link IstioMetrics#recordInbound}): {@code source_principal} the client certificate's SPIFFE ID,
 *       {@code connection_security_policy} {@code mutual_tls} with one, else {@code none}.
 * </ul>
 */
public final class InboundSecurity implements RequestGuard {
  private static final Logger log = LoggerFactory.getLogger(InboundSecurity.class);

  private final ServerListeners listeners;
  private final int applicationPort;
  private final IstioMetrics metrics;

  /**
   * @param listeners the mesh client's server listeners
   * @param applicationPort the local application's port (whose server listener applies when the listening port
   *     has none)
   * @param metrics where answered requests are counted ({@code reporter="destination"}), or {@code null}
   */
  public InboundSecurity(ServerListeners listeners, int applicationPort, IstioMetrics metrics) {
    this.listeners = listeners;
    this.applicationPort = applicationPort;
    this.metrics = metrics;
  }

  /** Adds the mode's handling to an inbound connection's pipeline, before its HTTP handlers. */
  public void install(ChannelPipeline pipeline) {
    pipeline.addLast(new ModeSniffer(this::port));
  }

  private InboundPort port(ChannelHandlerContext ctx) {
    InboundPort own = listeners.port(InboundConnection.address(ctx.channel().localAddress()).getPort());
    if (own.listener().isPresent() || applicationPort <= 0) {
      return own;
    }
    return listeners.port(applicationPort);
  }

  @Override
  public LocalResponse admit(Channel connection, String method, String path, String authority, HttpHeaders headers) {
    InboundConnection c = connection.attr(InboundConnection.KEY).get();
    if (c == null) {
      return LocalResponse.of(403, "", RbacDecision.DENIED_BODY);
    }
    InboundConnection.Identity id = c.identity(connection);
    InetSocketAddress remote = InboundConnection.address(connection.remoteAddress());
    InboundRequest request = new InboundRequest(id.peer(), c.tls, id.serverName(),
        InboundConnection.address(connection.localAddress()), remote, method, path, authority == null ? "" : authority,
        byName(headers));
    RbacDecision decision = c.port.check(request);
    if (!decision.allowed()) {
      log.info("inbound port {}: {} {} from {} ({}) denied by {}: {}", c.port.port(), method, path, remote,
          id.peer() == null ? "no peer certificate" : id.peer().principal(), decision.filterName(), decision.reason());
      return LocalResponse.of(403, "", RbacDecision.DENIED_BODY);
    }
    ClientCertDetails.apply(headers, id);
    return null;
  }

  /**
   * Istio's HTTP metadata exchange, the inbound half ({@code downstream_discovery: [istio_headers]}): the caller's
   * {@code x-envoy-peer-metadata} is kept for its {@code source_*} labels, and it and
   * {@code x-envoy-peer-metadata-id} are removed before the application sees the request, as Envoy removes them.
   */
  @Override
  public String keep(HttpHeaders headers) {
    String peer = headers.get(PeerMetadataExchange.HEADER);
    headers.remove(PeerMetadataExchange.HEADER);
    headers.remove(PeerMetadataExchange.ID_HEADER);
    return peer;
  }

  @Override
  public void answered(Channel connection, Answered a) {
    InboundConnection c = connection.attr(InboundConnection.KEY).get();
    if (metrics == null || c == null) {
      return;
    }
    InboundConnection.Identity id = c.identity(connection);
    metrics.recordInbound(new IstioMetrics.ServedRequest(id.peer() == null ? null : id.peer().principal(),
        id.localUri().isEmpty() ? null : id.localUri(), a.kept(), a.authority(),
        a.grpc() ? "grpc" : "http", a.status(), a.grpcStatus(), a.flags(), a.durationNanos(), a.requestBytes(),
        a.responseBytes()));
  }

  private static Map<String, List<String>> byName(HttpHeaders headers) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : headers) {
      out.computeIfAbsent(e.getKey(), k -> new ArrayList<>(1)).add(e.getValue());
    }
    return out;
  }
}
