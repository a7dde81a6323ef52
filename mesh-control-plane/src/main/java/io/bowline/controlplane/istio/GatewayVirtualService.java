package io.bowline.controlplane.istio;

import java.util.List;

/**
 * A VirtualService bound to gateways by its {@code spec.gateways}: the routes it adds to those gateways'
 * servers.
 *
 * @param virtualService the VirtualService
 * @param gateways its {@code gateways}, each resolved to {@code namespace/name} (a bare name is in the
 *     VirtualService's namespace), without the reserved {@code mesh}
 * @param mesh whether {@code gateways} also names {@code mesh} (the sidecars route by it too)
 * @param tls {@code tls[]}: the routes of TLS connections a PASSTHROUGH server forwards, by SNI
 */
public record GatewayVirtualService(VirtualService virtualService, List<String> gateways, boolean mesh,
    List<TlsRoute> tls) {

  /** Copies the lists so the record stays immutable. */
  public GatewayVirtualService {
    gateways = List.copyOf(gateways);
    tls = tls == null ? List.of() : List.copyOf(tls);
  }

  /** A VirtualService without TLS routes. */
  public GatewayVirtualService(VirtualService virtualService, List<String> gateways, boolean mesh) {
    this(virtualService, gateways, mesh, List.of());
  }

  /**
   * One {@code tls[]} rule ({@code TLSRoute}).
   *
   * @param field its field path, for example {@code spec.tls[0]}
   * @param sniHosts the union of its {@code match[].sniHosts}
   * @param route {@code route[]}: where the connection goes (one destination, or weighted)
   */
  public record TlsRoute(String field, List<String> sniHosts, List<VirtualService.Destination> route) {

    /** Copies the lists so the record stays immutable. */
    public TlsRoute {
      sniHosts = List.copyOf(sniHosts);
      route = List.copyOf(route);
    }
  }
}
