package io.bowline.controlplane.translate;

import io.bowline.controlplane.DiagnosticCode;
import io.bowline.controlplane.istio.DiagnosticCollector;
import io.bowline.controlplane.istio.HostResolver;
import io.bowline.controlplane.istio.IstioConfig;
import io.bowline.controlplane.istio.ServiceEntry;
import io.bowline.controlplane.istio.ServiceEntry.Resolution;
import io.bowline.controlplane.istio.WorkloadEndpoint;
import io.bowline.controlplane.istio.WorkloadEntry;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.BiFunction;

/**
 * The services of the mesh by FQDN, built from ServiceEntries and the WorkloadEntries they select (same
 * namespace, all selector labels present). {@code resolution: STATIC}, and {@code DNS} / {@code DNS_ROUND_ROBIN}
 * with endpoints, are served over EDS (the endpoint addresses as written; the proxyless gRPC generator of
 * istiod serves EDS clusters only). {@code DNS} / {@code DNS_ROUND_ROBIN} without endpoints become
 * {@code STRICT_DNS} / {@code LOGICAL_DNS} clusters whose one endpoint is the host itself (istiod's sidecar
 * shape). {@code resolution: NONE} needs an ORIGINAL_DST (passthrough) cluster, which Bowline clients do not
 * support: such entries are skipped with a warning.
 */
final class ServiceRegistry {

  private final Map<String, MeshService> services = new LinkedHashMap<>();
  /** The endpoints selected for each ServiceEntry (by identity): inline ones, then the selected workloads. */
  private final Map<ServiceEntry, List<WorkloadEndpoint>> selections = new IdentityHashMap<>();

  private ServiceRegistry() {}

  static ServiceRegistry build(IstioConfig config, HostResolver resolver, DiagnosticCollector diagnostics) {
    return build(config, resolver, diagnostics, entry -> null);
  }

  /**
   * @param earlierSelection the endpoints an earlier build selected for a ServiceEntry (the same instance),
   *     when they are still what selection would give; null to select anew
   */
  static ServiceRegistry build(IstioConfig config, HostResolver resolver, DiagnosticCollector diagnostics,
      Function<ServiceEntry, List<WorkloadEndpoint>> earlierSelection) {
    ServiceRegistry registry = new ServiceRegistry();
    List<ServiceEntry> reselect = new ArrayList<>();
    Map<ServiceEntry, List<WorkloadEndpoint>> selected = new IdentityHashMap<>();
    for (ServiceEntry entry : config.serviceEntries()) {
      List<WorkloadEndpoint> earlier = earlierSelection.apply(entry);
      if (earlier == null) {
        reselect.add(entry);
      } else {
        selected.put(entry, earlier);
      }
    }
    if (reselect.size() > MAX_SCANS) {
      Set<String> selectorKeys = new HashSet<>();
      config.serviceEntries().forEach(entry -> entry.workloadSelector()
          .ifPresent(selector -> selectorKeys.addAll(selector.keySet())));
      WorkloadSelection workloads = new WorkloadSelection(config.workloadEntries(), selectorKeys);
      reselect.forEach(entry -> selected.put(entry, endpoints(entry, workloads::select)));
    } else {
      reselect.forEach(entry -> selected.put(entry,
          endpoints(entry, (namespace, selector) -> scan(config.workloadEntries(), namespace, selector))));
    }
    for (ServiceEntry entry : config.serviceEntries()) {
      List<WorkloadEndpoint> endpoints = selected.get(entry);
      registry.selections.put(entry, endpoints);
      if (!isTranslatable(entry, diagnostics)) {
        continue;
      }
      Cluster.DiscoveryType discovery = discovery(entry.resolution(), endpoints);
      for (int i = 0; i < entry.hosts().size(); i++) {
        String host = entry.hosts().get(i);
        String field = "spec.hosts[" + i + "]";
        if (HostResolver.isWildcard(host)) {
          diagnostics.warning(DiagnosticCode.NOT_TRANSLATED,
              entry.ref(), field, "wildcard host " + host + " is not translated yet; skipped");
          continue;
        }
        String fqdn = resolver.resolve(host, entry.ref().namespace());
        MeshService previous = registry.services.remove(fqdn);
        if (previous != null && previous.source().kind().equals("Service") && !entry.ref().kind().equals("Service")) {
          diagnostics.info(DiagnosticCode.CONFLICT, entry.ref(), field, "host " + fqdn + " is also the Kubernetes "
              + previous.source().label() + " in " + previous.source().file() + "; this ServiceEntry's ports and "
              + "endpoints are used");
        } else if (previous != null) {
          diagnostics.warning(DiagnosticCode.CONFLICT, entry.ref(), field, "host " + fqdn + " is also defined by "
              + previous.source().label() + " in " + previous.source().file() + "; this later definition wins");
        }
        List<WorkloadEndpoint> serviceEndpoints = discovery == Cluster.DiscoveryType.EDS
            ? endpoints
            : List.of(new WorkloadEndpoint(host, Map.of(), Map.of(), 0, ""));
        registry.services.put(fqdn, new MeshService(fqdn, entry.ref(), entry.ports(), serviceEndpoints, discovery,
            entry.meshExternal()));
      }
    }
    return registry;
  }

  Optional<MeshService> find(String fqdn) {
    return Optional.ofNullable(services.get(fqdn));
  }

  /** The endpoints this build selected for {@code entry} (this very instance), or null. */
  List<WorkloadEndpoint> selection(ServiceEntry entry) {
    return selections.get(entry);
  }

  Collection<MeshService> services() {
    return services.values();
  }

  /** Up to this many ServiceEntries to select for, a scan of the workloads beats building their index. */
  private static final int MAX_SCANS = 8;

  private static List<WorkloadEndpoint> endpoints(ServiceEntry entry,
      BiFunction<String, Map<String, String>, List<WorkloadEndpoint>> select) {
    List<WorkloadEndpoint> endpoints = new ArrayList<>(entry.endpoints());
    entry.workloadSelector().ifPresent(selector -> endpoints.addAll(select.apply(entry.ref().namespace(), selector)));
    return endpoints;
  }

  /** The endpoints of the entries in {@code namespace} carrying every label of {@code selector}, in order. */
  private static List<WorkloadEndpoint> scan(List<WorkloadEntry> entries, String namespace,
      Map<String, String> selector) {
    List<WorkloadEndpoint> selected = new ArrayList<>();
    for (WorkloadEntry entry : entries) {
      if (entry.ref().namespace().equals(namespace) && carries(entry.endpoint().labels(), selector)) {
        selected.add(entry.endpoint());
      }
    }
    return selected;
  }

  /** Whether {@code labels} hold every label of {@code selector} (as {@code WorkloadEndpoint.hasLabels}). */
  static boolean carries(Map<String, String> labels, Map<String, String> selector) {
    for (Map.Entry<String, String> label : selector.entrySet()) {
      if (!label.getValue().equals(labels.get(label.getKey()))) {
        return false;
      }
    }
    return true;
  }

  private static Cluster.DiscoveryType discovery(Resolution resolution, List<WorkloadEndpoint> endpoints) {
    if (resolution == Resolution.STATIC || !endpoints.isEmpty()) {
      return Cluster.DiscoveryType.EDS;
    }
    return resolution == Resolution.DNS ? Cluster.DiscoveryType.STRICT_DNS : Cluster.DiscoveryType.LOGICAL_DNS;
  }

  private static boolean isTranslatable(ServiceEntry entry, DiagnosticCollector diagnostics) {
    if (entry.resolution() != Resolution.NONE) {
      return true;
    }
    diagnostics.warning(entry.ref(), "spec.resolution", "resolution NONE (Istio's default) needs a passthrough"
        + " (ORIGINAL_DST) cluster that forwards to the address the application dialled; Bowline clients resolve"
        + " every request through xDS and do not support it; use resolution: STATIC with endpoints, or DNS;"
        + " ServiceEntry skipped");
    return false;
  }
}
