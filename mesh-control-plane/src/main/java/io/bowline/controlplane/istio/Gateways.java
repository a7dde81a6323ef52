package io.bowline.controlplane.istio;

import java.util.List;
import java.util.Optional;

/**
 * What gateways (proxies of the router kind) are configured by: the Gateways, the VirtualServices bound to
 * them, and the TLS Secrets their servers name.
 *
 * @param gateways the Gateways, in file order
 * @param virtualServices the VirtualServices whose {@code gateways} name at least one gateway other than
 *     {@code mesh}, in file order
 * @param secrets the Kubernetes Secrets of type {@code kubernetes.io/tls}, in file order
 */
public record Gateways(List<Gateway> gateways, List<GatewayVirtualService> virtualServices, List<TlsSecret> secrets) {

  /** No gateway configuration. */
  public static final Gateways NONE = new Gateways(List.of(), List.of(), List.of());

  /** Copies the lists so the record stays immutable. */
  public Gateways {
    gateways = List.copyOf(gateways);
    virtualServices = List.copyOf(virtualServices);
    secrets = List.copyOf(secrets);
  }

  /** The Secret {@code name} of {@code namespace}, if there is one. */
  public Optional<TlsSecret> secret(String namespace, String name) {
    return secrets.stream()
        .filter(secret -> secret.ref().namespace().equals(namespace) && secret.ref().name().equals(name))
        .findFirst();
  }
}
