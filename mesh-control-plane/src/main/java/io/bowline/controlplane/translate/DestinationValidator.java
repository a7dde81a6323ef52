package io.bowline.controlplane.translate;

import io.bowline.controlplane.DiagnosticCode;
import io.bowline.controlplane.istio.DiagnosticCollector;
import io.bowline.controlplane.istio.HostResolver;
import io.bowline.controlplane.istio.IstioConfig;
import io.bowline.controlplane.istio.VirtualService;
import io.bowline.controlplane.istio.VirtualService.Destination;
import io.bowline.controlplane.istio.VirtualService.HttpRoute;
import java.util.List;
import java.util.Optional;

/**
 * Checks every VirtualService destination once, independent of the listener port:
 *
 * <ul>
 *   <li>error: a {@code subset} that no DestinationRule of the destination host defines;
 *   <li>error: a wildcard destination host;
 *   <li>error: two or more destinations whose weights sum to 0 (Istio's {@code validateHTTPRouteDestinations});
 *   <li>warning: a host no ServiceEntry defines, or a port the service lacks (requests get 503, flag NC).
 * </ul>
 */
final class DestinationValidator {

  /** The largest sum of route weights Envoy accepts (a uint32). */
  private static final long MAX_TOTAL_WEIGHT = 0xFFFF_FFFFL;

  private DestinationValidator() {}

  static void validate(IstioConfig config, HostResolver resolver, ServiceRegistry registry,
      DestinationPolicies policies, DiagnosticCollector diagnostics) {
    validate(config.virtualServices(), resolver, registry, policies, diagnostics);
  }

  /** Checks the destinations of {@code virtualServices} (for example those bound only to gateways). */
  static void validate(List<VirtualService> virtualServices, HostResolver resolver, ServiceRegistry registry,
      DestinationPolicies policies, DiagnosticCollector diagnostics) {
    for (VirtualService virtualService : virtualServices) {
      for (HttpRoute rule : virtualService.http()) {
        if (rule.route().size() > 1 && rule.route().stream().mapToLong(Destination::weight).sum() == 0) {
          diagnostics.error(virtualService.ref(), rule.field() + ".route", "the weights of the "
              + rule.route().size() + " destinations sum to 0; give at least one a weight > 0");
        }
        long total = rule.route().stream().mapToLong(Destination::weight).sum();
        if (total > MAX_TOTAL_WEIGHT) {
          diagnostics.error(virtualService.ref(), rule.field() + ".route", "the weights of the "
              + rule.route().size() + " destinations sum to " + total + "; at most " + MAX_TOTAL_WEIGHT
              + " (Envoy's weighted_clusters total is a uint32)");
        }
        for (Destination destination : rule.route()) {
          check(virtualService, destination, resolver, registry, policies, diagnostics);
        }
      }
    }
  }

  private static void check(VirtualService virtualService, Destination destination, HostResolver resolver,
      ServiceRegistry registry, DestinationPolicies policies, DiagnosticCollector diagnostics) {
    String field = destination.field() + ".destination";
    if (HostResolver.isWildcard(destination.host())) {
      diagnostics.error(virtualService.ref(), field + ".host", "a destination host cannot be a wildcard: "
          + destination.host());
      return;
    }
    String host = resolver.resolve(destination.host(), virtualService.ref().namespace());
    Optional<MeshService> service = registry.find(host);
    if (service.isEmpty()) {
      diagnostics.warning(DiagnosticCode.REFERENCE_SKIPPED,
          virtualService.ref(), field + ".host", "no ServiceEntry defines host " + host
          + "; requests routed here fail with 503 (NC)");
    } else if (destination.port() != 0
        && service.get().ports().stream().noneMatch(port -> port.number() == destination.port())) {
      diagnostics.warning(virtualService.ref(), field + ".port.number", "host " + host + " has no port "
          + destination.port() + "; requests routed here fail with 503 (NC)");
    }
    if (!destination.subset().isEmpty()
        && !policies.forHost(host).subsets().containsKey(destination.subset())) {
      diagnostics.error(DiagnosticCode.REFERENCED_RESOURCE_NOT_FOUND, virtualService.ref(), field + ".subset",
          "subset " + destination.subset()
          + " is not defined by any DestinationRule for host " + host);
    }
  }
}
