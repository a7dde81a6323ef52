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
 */
public record GatewayVirtualService(VirtualService virtualService, List<String> gateways, boolean mesh) {

  /** Copies the list so the record stays immutable. */
  public GatewayVirtualService {
    gateways = List.copyOf(gateways);
  }
}
