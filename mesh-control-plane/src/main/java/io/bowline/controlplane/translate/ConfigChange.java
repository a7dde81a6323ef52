package io.bowline.controlplane.translate;

import io.bowline.controlplane.istio.DestinationRule;
import io.bowline.controlplane.istio.HostResolver;
import io.bowline.controlplane.istio.HttpPolicies;
import io.bowline.controlplane.istio.IstioConfig;
import io.bowline.controlplane.istio.ServiceEntry;
import io.bowline.controlplane.istio.VirtualService;
import io.bowline.controlplane.istio.VirtualService.Destination;
import io.bowline.controlplane.istio.VirtualService.HttpRoute;
import io.bowline.controlplane.istio.WorkloadEntry;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Which services' resources a change of configuration can affect: the dependency index of incremental
 * translation. The resources of a service (its listeners, route configurations, clusters and load
 * assignments, see {@link XdsTranslator}) depend on
 *
 * <ul>
 *   <li>the ServiceEntries that define its host, and the WorkloadEntries they select (endpoints, which
 *       nothing else depends on);
 *   <li>the DestinationRules of its host (subsets, load balancer, resilience);
 *   <li>the VirtualServices of its host (routes) and, through their destinations and mirrors, the ports and
 *       DestinationRules of the destination hosts (cluster names, consistent-hash policies);
 *   <li>everything else of the configuration (Sidecars, {@code exportTo}, Deployments, the set of
 *       namespaces that short host names resolve against, and any other part a later translator reads).
 * </ul>
 *
 * A change of the last group affects every service. Resources are compared by identity (an unchanged file
 * keeps its parsed resources, so a changed file changes only its own), which over-approximates: a re-parsed
 * but equal resource counts as changed. A reordering of unchanged resources (it decides which duplicate
 * wins and the order of endpoints) affects every service, as does a change of more than
 * {@value #MAX_CHANGED_WORKLOADS} WorkloadEntries (matching each against every selector would cost more
 * than translating everything).
 */
final class ConfigChange {

  /** Every service is affected. */
  static final ConfigChange EVERYTHING = new ConfigChange(null);

  /** Above this many changed WorkloadEntries every service counts as affected. */
  static final int MAX_CHANGED_WORKLOADS = 64;

  /** The components of {@link IstioConfig} whose changes are tracked per resource (or do not matter). */
  private static final Set<String> TRACKED = Set.of("files", "serviceEntries", "workloadEntries",
      "destinationRules", "virtualServices", "diagnostics", "sourceLines");

  /** The affected hosts (FQDNs); null for every service. */
  private final Set<String> hosts;

  private ConfigChange(Set<String> hosts) {
    this.hosts = hosts;
  }

  /** Whether the resources of the service {@code host} (an FQDN) may differ after the change. */
  boolean affects(String host) {
    return hosts == null || hosts.contains(host);
  }

  /** The change from the configuration of {@code before} to that of {@code after}. */
  static ConfigChange between(XdsTranslator.Analysis before, XdsTranslator.Analysis after) {
    if (before.config() == after.config()) {
      return new ConfigChange(Set.of());
    }
    if (!before.namespaces().equals(after.namespaces()) || untrackedDiffer(before.config(), after.config())) {
      return EVERYTHING;
    }
    HostResolver resolver = after.resolver();
    IstioConfig old = before.config();
    IstioConfig now = after.config();
    Diff<ServiceEntry> serviceEntries = Diff.of(old.serviceEntries(), now.serviceEntries());
    Diff<WorkloadEntry> workloads = Diff.of(old.workloadEntries(), now.workloadEntries());
    Diff<DestinationRule> rules = Diff.of(old.destinationRules(), now.destinationRules());
    Diff<VirtualService> virtualServices = Diff.of(old.virtualServices(), now.virtualServices());
    if (serviceEntries.reordered() || workloads.reordered() || rules.reordered() || virtualServices.reordered()
        || workloads.changed().size() > MAX_CHANGED_WORKLOADS) {
      return EVERYTHING;
    }
    // Hosts whose service (ports) or DestinationRule changed: routes to them change too.
    Set<String> direct = new HashSet<>();
    serviceEntries.changed().forEach(entry -> direct.addAll(hosts(entry, resolver)));
    for (DestinationRule rule : rules.changed()) {
      if (HostResolver.isWildcard(rule.host())) {
        return EVERYTHING;
      }
      direct.add(resolver.resolve(rule.host(), rule.ref().namespace()));
    }
    Set<String> affected = new HashSet<>(direct);
    // Hosts whose endpoints changed: only their own clusters and load assignments change.
    for (WorkloadEntry workload : workloads.changed()) {
      Stream.concat(old.serviceEntries().stream(), now.serviceEntries().stream())
          .filter(entry -> selects(entry, workload))
          .forEach(entry -> affected.addAll(hosts(entry, resolver)));
    }
    for (VirtualService virtualService : virtualServices.changed()) {
      if (virtualService.hosts().stream().anyMatch(HostResolver::isWildcard)) {
        return EVERYTHING;
      }
      affected.addAll(hosts(virtualService, resolver));
    }
    // Route configurations that route or mirror to a changed host (its ports and consistent hash).
    Stream.concat(old.virtualServices().stream(), now.virtualServices().stream())
        .filter(virtualService -> destinations(virtualService)
            .anyMatch(d -> direct.contains(resolver.resolve(d.host(), virtualService.ref().namespace()))))
        .forEach(virtualService -> affected.addAll(hosts(virtualService, resolver)));
    return new ConfigChange(affected);
  }

  /** Whether any part of the configuration that is not tracked per resource differs. */
  private static boolean untrackedDiffer(IstioConfig before, IstioConfig after) {
    for (RecordComponent component : IstioConfig.class.getRecordComponents()) {
      if (TRACKED.contains(component.getName())) {
        continue;
      }
      try {
        if (!Objects.equals(component.getAccessor().invoke(before), component.getAccessor().invoke(after))) {
          return true;
        }
      } catch (IllegalAccessException | InvocationTargetException e) {
        return true;
      }
    }
    return false;
  }

  /** Whether {@code entry}'s workload selector selects {@code workload}. */
  static boolean selects(ServiceEntry entry, WorkloadEntry workload) {
    if (entry.workloadSelector().isEmpty() || !entry.ref().namespace().equals(workload.ref().namespace())) {
      return false;
    }
    return ServiceRegistry.carries(workload.endpoint().labels(), entry.workloadSelector().get());
  }

  private static List<String> hosts(ServiceEntry entry, HostResolver resolver) {
    return entry.hosts().stream().filter(host -> !HostResolver.isWildcard(host))
        .map(host -> resolver.resolve(host, entry.ref().namespace())).toList();
  }

  private static List<String> hosts(VirtualService virtualService, HostResolver resolver) {
    return virtualService.hosts().stream().filter(host -> !HostResolver.isWildcard(host))
        .map(host -> resolver.resolve(host, virtualService.ref().namespace())).toList();
  }

  /** Every destination of a VirtualService: its routes' and its mirrors'. */
  private static Stream<Destination> destinations(VirtualService virtualService) {
    return virtualService.http().stream().flatMap((HttpRoute rule) -> Stream.concat(rule.route().stream(),
        rule.policies().mirrors().stream().map(HttpPolicies.Mirror::destination)));
  }

  /**
   * The difference between two lists of resources by identity.
   *
   * @param changed the resources in only one of them (removed, added or replaced)
   * @param reordered whether the resources in both appear in another order
   */
  record Diff<T>(List<T> changed, boolean reordered) {

    static <T> Diff<T> of(List<T> before, List<T> after) {
      // Only the window between the longest identical prefix and suffix can differ (one changed file
      // is one window): compare by identity there.
      int prefix = 0;
      int limit = Math.min(before.size(), after.size());
      while (prefix < limit && before.get(prefix) == after.get(prefix)) {
        prefix++;
      }
      int suffix = 0;
      while (suffix < limit - prefix
          && before.get(before.size() - 1 - suffix) == after.get(after.size() - 1 - suffix)) {
        suffix++;
      }
      List<T> oldWindow = before.subList(prefix, before.size() - suffix);
      List<T> newWindow = after.subList(prefix, after.size() - suffix);
      Set<T> inBefore = Collections.newSetFromMap(new IdentityHashMap<>());
      inBefore.addAll(oldWindow);
      Set<T> inAfter = Collections.newSetFromMap(new IdentityHashMap<>());
      inAfter.addAll(newWindow);
      List<T> changed = new ArrayList<>();
      List<T> keptBefore = new ArrayList<>();
      for (T resource : oldWindow) {
        if (inAfter.contains(resource)) {
          keptBefore.add(resource);
        } else {
          changed.add(resource);
        }
      }
      int kept = 0;
      boolean reordered = false;
      for (T resource : newWindow) {
        if (!inBefore.contains(resource)) {
          changed.add(resource);
        } else if (kept >= keptBefore.size() || keptBefore.get(kept++) != resource) {
          reordered = true;
        }
      }
      return new Diff<>(changed, reordered);
    }
  }
}
