package io.bowline.controlplane.translate;

import io.bowline.controlplane.istio.DiagnosticCollector;
import io.bowline.controlplane.istio.HostResolver;
import io.bowline.controlplane.istio.IstioConfig;
import io.bowline.controlplane.istio.ServiceEntry;
import io.bowline.controlplane.istio.ServiceEntry.Resolution;
import io.bowline.controlplane.istio.WorkloadEndpoint;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The services of the mesh by FQDN, built from ServiceEntries and the WorkloadEntries they select (same
 * namespace, all selector labels present). Only {@code resolution: STATIC}, and {@code DNS} with explicit
 * endpoints (served like STATIC), are translated; other entries are skipped with a warning.
 */
final class ServiceRegistry {

  private final Map<String, MeshService> services = new LinkedHashMap<>();

  private ServiceRegistry() {}

  static ServiceRegistry build(IstioConfig config, HostResolver resolver, DiagnosticCollector diagnostics) {
    ServiceRegistry registry = new ServiceRegistry();
    Set<String> selectorKeys = new HashSet<>();
    config.serviceEntries()
        .forEach(entry -> entry.workloadSelector().ifPresent(selector -> selectorKeys.addAll(selector.keySet())));
    WorkloadSelection workloads = new WorkloadSelection(config.workloadEntries(), selectorKeys);
    for (ServiceEntry entry : config.serviceEntries()) {
      List<WorkloadEndpoint> endpoints = endpoints(entry, workloads);
      if (!isTranslatable(entry, endpoints, diagnostics)) {
        continue;
      }
      for (int i = 0; i < entry.hosts().size(); i++) {
        String host = entry.hosts().get(i);
        String field = "spec.hosts[" + i + "]";
        if (HostResolver.isWildcard(host)) {
          diagnostics.warning(entry.ref(), field, "wildcard host " + host + " is not translated yet; skipped");
          continue;
        }
        String fqdn = resolver.resolve(host, entry.ref().namespace());
        MeshService previous = registry.services.remove(fqdn);
        if (previous != null && previous.source().kind().equals("Service") && !entry.ref().kind().equals("Service")) {
          diagnostics.info(entry.ref(), field, "host " + fqdn + " is also the Kubernetes "
              + previous.source().label() + " in " + previous.source().file() + "; this ServiceEntry's ports and "
              + "endpoints are used");
        } else if (previous != null) {
          diagnostics.warning(entry.ref(), field, "host " + fqdn + " is also defined by "
              + previous.source().label() + " in " + previous.source().file() + "; this later definition wins");
        }
        registry.services.put(fqdn, new MeshService(fqdn, entry.ref(), entry.ports(), endpoints));
      }
    }
    return registry;
  }

  Optional<MeshService> find(String fqdn) {
    return Optional.ofNullable(services.get(fqdn));
  }

  Collection<MeshService> services() {
    return services.values();
  }

  private static List<WorkloadEndpoint> endpoints(ServiceEntry entry, WorkloadSelection workloads) {
    List<WorkloadEndpoint> endpoints = new ArrayList<>(entry.endpoints());
    entry.workloadSelector()
        .ifPresent(selector -> endpoints.addAll(workloads.select(entry.ref().namespace(), selector)));
    return endpoints;
  }

  private static boolean isTranslatable(
      ServiceEntry entry, List<WorkloadEndpoint> endpoints, DiagnosticCollector diagnostics) {
    Resolution resolution = entry.resolution();
    if (resolution == Resolution.STATIC) {
      return true;
    }
    if ((resolution == Resolution.DNS || resolution == Resolution.DNS_ROUND_ROBIN) && !endpoints.isEmpty()) {
      return true;
    }
    String why = resolution == Resolution.NONE
        ? "resolution NONE (Istio's default) is not translated yet; use resolution: STATIC with endpoints"
        : "resolution " + resolution + " without endpoints is not translated yet; list the endpoints";
    diagnostics.warning(entry.ref(), "spec.resolution", why + "; ServiceEntry skipped");
    return false;
  }
}
