package io.bowline.proxy.outbound;

import io.bowline.proxy.ProxyLimits;
import io.bowline.runtime.pipeline.OutboundRouter;

/**
 * What one listening port of the proxy does with the requests it accepts.
 *
 * @param name the listener's name, for logs ({@code outbound}, {@code inbound})
 * @param router the mesh's router: requests are routed as the library routes them; {@code null}
 *     on a listener that forwards everything to {@code forwardTo}
 * @param registryOnly Istio's {@code outboundTrafficPolicy: REGISTRY_ONLY}: a host the mesh does not
 *     know gets 502 {@code NR} instead of being passed through ({@code ALLOW_ANY})
 * @param forwardHost where a listener without a router sends every request (the local
 *     application), else {@code null}
 * @param forwardPort that application's port
 * @param limits header limits, body buffer and timeouts
 * @param gatewayRoute on a gateway's filter chain, the {@code host} of the listener every request is routed
 *     by ({@code MeshSnapshot.gatewayRouteHost}: its route configuration's name), with {@code gatewayPort}; a
 *     route configuration that is missing answers 404 {@code NR}, nothing is passed through; else {@code null}
 * @param gatewayPort the gateway listener's port (Envoy's, not necessarily the bound one)
 * @param guard on a listener that forwards to the application, what admits each request first (the inbound
 *     listener's RBAC and XFCC), else {@code null}
 * @param forwardedProto on a gateway's filter chain, the downstream connection's scheme ({@code http} or
 *     {@code https}): each request's {@code x-forwarded-proto} is set to it, replacing what the client sent, as
 *     Envoy's HTTP connection manager does at an edge ({@code use_remote_address: true}, which istiod sets on
 *     gateways; a virtual host's {@code require_tls} reads it); else {@code null}, and the field passes as sent
 */
public record ProxyListener(String name, OutboundRouter router, boolean registryOnly, String forwardHost,
    int forwardPort, ProxyLimits limits, String gatewayRoute, int gatewayPort, RequestGuard guard,
    String forwardedProto) {

  /** A listener without a guard. */
  public ProxyListener(String name, OutboundRouter router, boolean registryOnly, String forwardHost,
      int forwardPort, ProxyLimits limits, String gatewayRoute, int gatewayPort) {
    this(name, router, registryOnly, forwardHost, forwardPort, limits, gatewayRoute, gatewayPort, null, null);
  }

  /** A listener that is not a gateway's. */
  public ProxyListener(String name, OutboundRouter router, boolean registryOnly, String forwardHost,
      int forwardPort, ProxyLimits limits) {
    this(name, router, registryOnly, forwardHost, forwardPort, limits, null, 0);
  }

  /**
   * A gateway's HTTP filter chain: every request is routed by the route configuration the snapshot knows as
   * listener {@code routeHost:port}, with {@code x-forwarded-proto} set to {@code scheme}.
   */
  public static ProxyListener gateway(String name, OutboundRouter router, String routeHost, int port,
      ProxyLimits limits, String scheme) {
    return new ProxyListener(name, router, false, null, 0, limits, routeHost, port, null, scheme);
  }

  /** The outbound listener: routed by {@code router}. */
  public static ProxyListener outbound(OutboundRouter router, boolean registryOnly, ProxyLimits limits) {
    return new ProxyListener("outbound", router, registryOnly, null, 0, limits);
  }

  /**
   * The inbound listener: every request that {@code guard} admits (every request when it is {@code null}) to the
   * application on {@code host:port}.
   */
  public static ProxyListener inbound(String host, int port, ProxyLimits limits, RequestGuard guard) {
    return new ProxyListener("inbound", null, false, host, port, limits, null, 0, guard, null);
  }
}
