package io.bowline.controlplane.translate;

import io.bowline.controlplane.DiagnosticCode;
import io.bowline.controlplane.istio.DestinationRule;
import io.bowline.controlplane.istio.DestinationRule.Subset;
import io.bowline.controlplane.istio.DiagnosticCollector;
import io.bowline.controlplane.istio.HostResolver;
import io.bowline.controlplane.istio.IstioConfig;
import io.bowline.controlplane.istio.LoadBalancer;
import io.bowline.controlplane.istio.LoadBalancerSettings;
import io.bowline.controlplane.istio.PortTrafficPolicy;
import io.bowline.controlplane.istio.TrafficResilience;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * DestinationRules by resolved host. Several rules for one host are merged like istiod merges rules of one
 * namespace: subsets are combined (the first definition of a subset name wins) and the first load balancer,
 * resilience settings and port-level settings set win.
 */
final class DestinationPolicies {

  /** Istio's load balancer when none is configured. */
  static final LoadBalancerSettings DEFAULT_LOAD_BALANCER = LoadBalancerSettings.of(LoadBalancer.LEAST_REQUEST);

  /** The merged policy of one host. */
  record Policy(Optional<LoadBalancerSettings> loadBalancer, Map<String, Subset> subsets, List<String> rules,
      TrafficResilience resilience, List<PortTrafficPolicy> portLevelSettings) {}

  private final Map<String, Policy> byHost = new LinkedHashMap<>();

  private DestinationPolicies() {}

  static DestinationPolicies build(
      IstioConfig config, HostResolver resolver, ServiceRegistry registry, DiagnosticCollector diagnostics) {
    DestinationPolicies policies = new DestinationPolicies();
    for (DestinationRule rule : config.destinationRules()) {
      if (HostResolver.isWildcard(rule.host())) {
        diagnostics.warning(DiagnosticCode.NOT_TRANSLATED, rule.ref(), "spec.host", "wildcard host " + rule.host()
            + " is not translated yet; DestinationRule skipped");
        continue;
      }
      String host = resolver.resolve(rule.host(), rule.ref().namespace());
      if (registry.find(host).isEmpty()) {
        diagnostics.warning(DiagnosticCode.REFERENCE_SKIPPED,
            rule.ref(), "spec.host", "no ServiceEntry defines host " + host
            + "; the DestinationRule has no clusters to apply to");
      }
      policies.merge(host, rule, diagnostics);
    }
    return policies;
  }

  /** The policy for {@code host}, or an empty one. */
  Policy forHost(String host) {
    return byHost.getOrDefault(host, new Policy(Optional.empty(), Map.of(), List.of(), TrafficResilience.NONE, List.of()));
  }

  /** The subsets defined for {@code host}, in definition order. */
  List<Subset> subsets(String host) {
    return List.copyOf(forHost(host).subsets().values());
  }

  /**
   * The load balancer, connection pool and outlier detection of one cluster.
   *
   * @param loadBalancer the load balancer, Istio's default when nothing sets one
   * @param resilience connection pool and outlier detection
   */
  record ClusterPolicy(LoadBalancerSettings loadBalancer, TrafficResilience resilience) {}

  /**
   * The policy of the service cluster {@code outbound|port||host}: the rule's traffic policy, replaced as a
   * whole by its {@code portLevelSettings} entry for {@code port} when there is one.
   */
  ClusterPolicy forCluster(String host, int port) {
    Policy policy = forHost(host);
    Optional<PortTrafficPolicy> portLevel = atPort(policy.portLevelSettings(), port);
    Optional<LoadBalancerSettings> loadBalancer = portLevel.isPresent() ? portLevel.get().loadBalancer() : policy.loadBalancer();
    return new ClusterPolicy(loadBalancer.orElse(DEFAULT_LOAD_BALANCER),
        portLevel.map(PortTrafficPolicy::resilience).orElse(policy.resilience()));
  }

  /**
   * The policy of a subset cluster, merged as istiod's {@code MergeTrafficPolicy}: the service cluster's
   * policy at {@code port}, each of load balancer / connection pool / outlier detection overridden by the
   * subset's own when set, then replaced as a whole by the subset's {@code portLevelSettings} entry for
   * {@code port}.
   */
  ClusterPolicy forCluster(String host, Subset subset, int port) {
    Optional<PortTrafficPolicy> portLevel = atPort(subset.portLevelSettings(), port);
    if (portLevel.isPresent()) {
      return new ClusterPolicy(portLevel.get().loadBalancer().orElse(DEFAULT_LOAD_BALANCER), portLevel.get().resilience());
    }
    ClusterPolicy top = forCluster(host, port);
    TrafficResilience own = subset.resilience();
    return new ClusterPolicy(
        subset.loadBalancer().orElse(top.loadBalancer()),
        new TrafficResilience(
            own.connectionPool() != null ? own.connectionPool() : top.resilience().connectionPool(),
            own.outlierDetection() != null ? own.outlierDetection() : top.resilience().outlierDetection()));
  }

  /**
   * The policy of a route destination: its subset's cluster when {@code subset} names one defined for
   * {@code host}, else the service cluster's.
   */
  ClusterPolicy forCluster(String host, String subset, int port) {
    Subset defined = subset.isEmpty() ? null : forHost(host).subsets().get(subset);
    return defined == null ? forCluster(host, port) : forCluster(host, defined, port);
  }

  private static Optional<PortTrafficPolicy> atPort(List<PortTrafficPolicy> settings, int port) {
    return settings.stream().filter(setting -> setting.port() == port).findFirst();
  }

  private void merge(String host, DestinationRule rule, DiagnosticCollector diagnostics) {
    Policy existing = byHost.get(host);
    Map<String, Subset> subsets = new LinkedHashMap<>(existing == null ? Map.of() : existing.subsets());
    List<String> rules = new ArrayList<>(existing == null ? List.of() : existing.rules());
    if (existing != null) {
      diagnostics.warning(DiagnosticCode.CONFLICT,
          rule.ref(), "spec.host", "host " + host + " also has " + String.join(", ", rules)
          + "; the rules are merged (subsets combined, the first load balancer wins)");
    }
    rules.add(rule.ref().label());
    for (int i = 0; i < rule.subsets().size(); i++) {
      Subset subset = rule.subsets().get(i);
      if (subsets.putIfAbsent(subset.name(), subset) != null) {
        diagnostics.warning(rule.ref(), "spec.subsets[" + i + "].name", "subset " + subset.name()
            + " of host " + host + " is already defined; the first definition wins");
      }
    }
    Optional<LoadBalancerSettings> loadBalancer =
        existing != null && existing.loadBalancer().isPresent() ? existing.loadBalancer() : rule.loadBalancer();
    TrafficResilience resilience =
        existing != null && !existing.resilience().isEmpty() ? existing.resilience() : rule.resilience();
    List<PortTrafficPolicy> portLevelSettings =
        existing != null && !existing.portLevelSettings().isEmpty() ? existing.portLevelSettings() : rule.portLevelSettings();
    byHost.put(host, new Policy(loadBalancer, subsets, rules, resilience, portLevelSettings));
  }
}
