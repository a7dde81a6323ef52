package io.bowline.controlplane.translate;

import io.bowline.controlplane.istio.IstioConfig;
import io.bowline.controlplane.istio.ResourceRef;
import io.bowline.controlplane.istio.Sidecar;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What one client may see, as istiod scopes a proxy's configuration: a ServiceEntry or VirtualService only
 * when its {@code exportTo} includes the client's namespace, and a service only when the client's Sidecar
 * egress hosts allow it.
 *
 * <p>The client's Sidecar is, as in istiod: the first Sidecar of its namespace whose
 * {@code workloadSelector} labels the client carries; else the first selector-less Sidecar of its namespace;
 * else the first selector-less Sidecar of the root namespace {@value Sidecar#ROOT_NAMESPACE}; else none, and
 * every exported service is visible. An egress host {@code namespace/host} allows a service whose defining
 * resource lives in {@code namespace} ({@code *} any, {@code .} the client's own, {@code ~} none) and whose
 * FQDN is {@code host} ({@code *} any, {@code *.suffix} any name ending in {@code .suffix}).
 */
final class ClientScope {

  private final IstioConfig config;
  private final ClientView client;
  private final Optional<Sidecar> sidecar;

  private ClientScope(IstioConfig config, ClientView client, Optional<Sidecar> sidecar) {
    this.config = config;
    this.client = client;
    this.sidecar = sidecar;
  }

  /** The scope of {@code client} in {@code config}. */
  static ClientScope of(IstioConfig config, ClientView client) {
    return new ClientScope(config, client, sidecarOf(config.sidecars(), client));
  }

  /** The Sidecar that applies to the client, if any. */
  Optional<Sidecar> sidecar() {
    return sidecar;
  }

  /** Whether the resource (a ServiceEntry or VirtualService) is exported to the client's namespace. */
  boolean exported(ResourceRef ref) {
    return config.exportOf(ref).visibleTo(ref.namespace(), client.namespace());
  }

  /** Whether the client sees {@code service}: exported to it and allowed by its Sidecar's egress hosts. */
  boolean sees(MeshService service) {
    if (!exported(service.source())) {
      return false;
    }
    return sidecar.isEmpty() || sidecar.get().egressHosts().stream()
        .anyMatch(host -> allows(host, service.source().namespace(), service.host()));
  }

  private boolean allows(String egressHost, String serviceNamespace, String fqdn) {
    int slash = egressHost.indexOf('/');
    String namespace = egressHost.substring(0, slash);
    String host = egressHost.substring(slash + 1);
    boolean namespaceMatches = switch (namespace) {
      case "*" -> true;
      case "~" -> false;
      case "." -> serviceNamespace.equals(client.namespace());
      default -> serviceNamespace.equals(namespace);
    };
    return namespaceMatches && hostMatches(host, fqdn);
  }

  private static boolean hostMatches(String pattern, String fqdn) {
    if (pattern.equals("*")) {
      return true;
    }
    if (pattern.startsWith("*.")) {
      return fqdn.endsWith(pattern.substring(1));
    }
    return pattern.equals(fqdn);
  }

  private static Optional<Sidecar> sidecarOf(List<Sidecar> sidecars, ClientView client) {
    Optional<Sidecar> selecting = sidecars.stream()
        .filter(s -> s.ref().namespace().equals(client.namespace()))
        .filter(s -> s.workloadSelector().isPresent() && hasLabels(client.labels(), s.workloadSelector().get()))
        .findFirst();
    if (selecting.isPresent()) {
      return selecting;
    }
    Optional<Sidecar> namespaceDefault = sidecars.stream()
        .filter(s -> s.ref().namespace().equals(client.namespace()) && s.workloadSelector().isEmpty())
        .findFirst();
    if (namespaceDefault.isPresent()) {
      return namespaceDefault;
    }
    return sidecars.stream()
        .filter(s -> s.ref().namespace().equals(Sidecar.ROOT_NAMESPACE) && s.workloadSelector().isEmpty())
        .findFirst();
  }

  private static boolean hasLabels(Map<String, String> labels, Map<String, String> selector) {
    return labels.entrySet().containsAll(selector.entrySet());
  }
}
