package io.bowline.controlplane.translate;

import io.bowline.controlplane.DiagnosticCode;
import io.bowline.controlplane.istio.DiagnosticCollector;
import io.bowline.controlplane.istio.HostResolver;
import io.bowline.controlplane.istio.IstioConfig;
import io.bowline.controlplane.istio.VirtualService;
import io.bowline.controlplane.istio.VirtualService.HttpRoute;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The HTTP rules that apply to each service FQDN: the rules of every VirtualService whose resolved
 * {@code hosts} include it, concatenated in file order when several VirtualServices target one host.
 */
final class VirtualServiceIndex {

  /** One rule together with the VirtualService it belongs to (for its namespace and diagnostics). */
  record BoundRule(VirtualService virtualService, HttpRoute rule) {}

  private final Map<String, List<VirtualService>> byHost = new LinkedHashMap<>();

  private VirtualServiceIndex() {}

  static VirtualServiceIndex build(
      IstioConfig config, HostResolver resolver, ServiceRegistry registry, DiagnosticCollector diagnostics) {
    VirtualServiceIndex index = new VirtualServiceIndex();
    for (VirtualService virtualService : config.virtualServices()) {
      for (int i = 0; i < virtualService.hosts().size(); i++) {
        String host = virtualService.hosts().get(i);
        String field = "spec.hosts[" + i + "]";
        if (HostResolver.isWildcard(host)) {
          diagnostics.warning(DiagnosticCode.NOT_TRANSLATED, virtualService.ref(), field, "wildcard host " + host
              + " is not translated yet; skipped");
          continue;
        }
        String fqdn = resolver.resolve(host, virtualService.ref().namespace());
        if (registry.find(fqdn).isEmpty()) {
          diagnostics.warning(DiagnosticCode.REFERENCE_SKIPPED,
              virtualService.ref(), field, "no ServiceEntry defines host " + fqdn
              + "; no listener is emitted for it");
          continue;
        }
        List<VirtualService> targeting = index.byHost.computeIfAbsent(fqdn, h -> new ArrayList<>());
        if (targeting.contains(virtualService)) {
          continue;
        }
        if (!targeting.isEmpty()) {
          diagnostics.warning(DiagnosticCode.CONFLICT,
              virtualService.ref(), field, "host " + fqdn + " is also targeted by "
              + targeting.stream().map(vs -> vs.ref().label() + " (" + vs.ref().file() + ")").toList()
              + "; their rules are concatenated in file order");
        }
        targeting.add(virtualService);
      }
    }
    return index;
  }

  /** The VirtualServices whose hosts include {@code host}, in file order. */
  List<VirtualService> targeting(String host) {
    return byHost.getOrDefault(host, List.of());
  }

  /** The rules for {@code host}, in order; empty when no VirtualService targets it. */
  List<BoundRule> rules(String host) {
    List<BoundRule> rules = new ArrayList<>();
    for (VirtualService virtualService : byHost.getOrDefault(host, List.of())) {
      for (HttpRoute rule : virtualService.http()) {
        rules.add(new BoundRule(virtualService, rule));
      }
    }
    return rules;
  }
}
