package io.bowline.controlplane.translate;

import io.bowline.controlplane.istio.Deployment;
import io.bowline.controlplane.istio.DestinationRule;
import io.bowline.controlplane.istio.DestinationRule.Subset;
import io.bowline.controlplane.istio.DiagnosticCollector;
import io.bowline.controlplane.istio.HostResolver;
import io.bowline.controlplane.istio.IstioConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Warns about DestinationRule subsets that select no endpoint of their service: requests routed to them fail
 * with 503 (flag UH). When a Kubernetes Deployment of the namespace has pods that the subset would select,
 * the warning says so: the configuration was written for a cluster, and a WorkloadEntry with those labels
 * gives the subset an endpoint here.
 */
final class SubsetCoverage {

  private SubsetCoverage() {}

  static void check(IstioConfig config, HostResolver resolver, ServiceRegistry registry,
      DiagnosticCollector diagnostics) {
    for (DestinationRule rule : config.destinationRules()) {
      if (HostResolver.isWildcard(rule.host())) {
        continue;
      }
      Optional<MeshService> service = registry.find(resolver.resolve(rule.host(), rule.ref().namespace()));
      if (service.isEmpty()) {
        continue;
      }
      for (int i = 0; i < rule.subsets().size(); i++) {
        Subset subset = rule.subsets().get(i);
        if (service.get().endpoints().stream().anyMatch(endpoint -> endpoint.hasLabels(subset.labels()))) {
          continue;
        }
        Optional<Deployment> deployment = deploymentFor(config, service.get(), subset);
        diagnostics.warning(rule.ref(), "spec.subsets[" + i + "].labels", "subset " + subset.name() + " of "
            + service.get().host() + " selects no endpoint; requests routed to it fail with 503 (UH)"
            + deployment.map(d -> " (the pods of " + d.ref().label() + " would match: add a WorkloadEntry with "
                + "their labels)").orElse(""));
      }
    }
  }

  private static Optional<Deployment> deploymentFor(IstioConfig config, MeshService service, Subset subset) {
    Map<String, String> selector = new HashMap<>(subset.labels());
    config.serviceEntries().stream()
        .filter(entry -> entry.ref().equals(service.source()))
        .findFirst()
        .flatMap(entry -> entry.workloadSelector())
        .ifPresent(selector::putAll);
    List<Deployment> deployments = config.deployments();
    return deployments.stream()
        .filter(d -> d.ref().namespace().equals(service.source().namespace()) && d.hasLabels(selector))
        .findFirst();
  }
}
