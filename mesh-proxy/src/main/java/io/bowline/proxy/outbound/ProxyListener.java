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
 */
public record ProxyListener(String name, OutboundRouter router, boolean registryOnly, String forwardHost,
    int forwardPort, ProxyLimits limits) {

  /** The outbound listener: routed by {@code router}. */
  public static ProxyListener outbound(OutboundRouter router, boolean registryOnly, ProxyLimits limits) {
    return new ProxyListener("outbound", router, registryOnly, null, 0, limits);
  }

  /** The inbound listener: every request to the application on {@code host:port}. */
  public static ProxyListener inbound(String host, int port, ProxyLimits limits) {
    return new ProxyListener("inbound", null, false, host, port, limits);
  }
}
