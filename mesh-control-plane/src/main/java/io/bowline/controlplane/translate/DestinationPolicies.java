package io.bowline.controlplane.translate;

import io.bowline.controlplane.istio.DestinationRule;
import io.bowline.controlplane.istio.DestinationRule.Subset;
import io.bowline.controlplane.istio.DiagnosticCollector;
import io.bowline.controlplane.istio.HostResolver;
import io.bowline.controlplane.istio.IstioConfig;
import io.bowline.controlplane.istio.LoadBalancer;
import io.bowline.controlplane.istio.LoadBalancerSettings;
import io.bowline.controlplane.istio.TrafficResilience;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * DestinationRules by resolved host. Several rules for one host are merged like istiod merges rules of one
 * namespace: subsets are combined (the first definition of a subset name wins) and the first load balancer
 * set wins.
 */
final class DestinationPolicies {

  /** Istio's load balancer when none is configured. */
  static final LoadBalancerSettings DEFAULT_LOAD_BALANCER = LoadBalancerSettings.of(LoadBalancer.LEAST_REQUEST);

  /** The merged policy of one host. */
  record Policy(Optional<LoadBalancerSettings> loadBalancer, Map<String, Subset> subsets, List<String> rules,
      TrafficResilience resilience) {}

  private final Map<String, Policy> byHost = new LinkedHashMap<>();

  private DestinationPolicies() {}

  static DestinationPolicies build(
      IstioConfig config, HostResolver resolver, ServiceRegistry registry, DiagnosticCollector diagnostics) {
    DestinationPolicies policies = new DestinationPolicies();
    for (DestinationRule rule : config.destinationRules()) {
      if (HostResolver.isWildcard(rule.host())) {
        diagnostics.warning(rule.ref(), "spec.host", "wildcard host " + rule.host()
            + " is not translated yet; DestinationRule skipped");
        continue;
      }
      String host = resolver.resolve(rule.host(), rule.ref().namespace());
      if (registry.find(host).isEmpty()) {
        diagnostics.warning(rule.ref(), "spec.host", "no ServiceEntry defines host " + host
            + "; the DestinationRule has no clusters to apply to");
      }
      policies.merge(host, rule, diagnostics);
    }
    return policies;
  }

  /** The policy for {@code host}, or an empty one. */
  Policy forHost(String host) {
    return byHost.getOrDefault(host, new Policy(Optional.empty(), Map.of(), List.of(), TrafficResilience.NONE));
  }

  /** The subsets defined for {@code host}, in definition order. */
  List<Subset> subsets(String host) {
    return List.copyOf(forHost(host).subsets().values());
  }

  /** The load balancer of the whole service {@code host}. */
  LoadBalancerSettings loadBalancer(String host) {
    return forHost(host).loadBalancer().orElse(DEFAULT_LOAD_BALANCER);
  }

  /** The load balancer of one subset: its own, else the rule's, else Istio's default. */
  LoadBalancerSettings loadBalancer(String host, Subset subset) {
    return subset.loadBalancer().or(() -> forHost(host).loadBalancer()).orElse(DEFAULT_LOAD_BALANCER);
  }

  /**
   * The load balancer of a route destination: the subset's when {@code subset} names one defined for
   * {@code host} (empty or unknown: the service's).
   */
  LoadBalancerSettings loadBalancer(String host, String subset) {
    Subset defined = subset.isEmpty() ? null : forHost(host).subsets().get(subset);
    return defined == null ? loadBalancer(host) : loadBalancer(host, defined);
  }

  /** The connection pool and outlier detection of the whole service {@code host} (the first rule's wins). */
  TrafficResilience resilience(String host) {
    return forHost(host).resilience();
  }

  /** A subset's own connection pool / outlier detection, else the rule's (each setting as a whole, as istiod merges). */
  TrafficResilience resilience(String host, Subset subset) {
    TrafficResilience own = subset.resilience();
    TrafficResilience top = resilience(host);
    return new TrafficResilience(
        own.connectionPool() != null ? own.connectionPool() : top.connectionPool(),
        own.outlierDetection() != null ? own.outlierDetection() : top.outlierDetection());
  }

  private void merge(String host, DestinationRule rule, DiagnosticCollector diagnostics) {
    Policy existing = byHost.get(host);
    Map<String, Subset> subsets = new LinkedHashMap<>(existing == null ? Map.of() : existing.subsets());
    List<String> rules = new ArrayList<>(existing == null ? List.of() : existing.rules());
    if (existing != null) {
      diagnostics.warning(rule.ref(), "spec.host", "host " + host + " also has " + String.join(", ", rules)
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
    byHost.put(host, new Policy(loadBalancer, subsets, rules, resilience));
  }
}
