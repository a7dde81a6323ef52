package io.bowline.controlplane.istio;

import io.bowline.controlplane.Diagnostic;
import java.util.List;

/**
 * The translatable Istio resources read from a configuration directory, in file order (files sorted by
 * name, documents in order), after duplicates were resolved.
 *
 * @param files the file names read, relative to the directory, sorted
 * @param serviceEntries the ServiceEntries, preceded by the Kubernetes Services read as ServiceEntries
 * @param workloadEntries the WorkloadEntries
 * @param destinationRules the DestinationRules
 * @param virtualServices the VirtualServices that apply to the mesh (gateway-only ones are left out)
 * @param diagnostics what loading found; any {@link Diagnostic.Severity#ERROR} makes the whole load invalid
 * @param sourceLines where each resource's fields are written, for diagnostics found later
 * @param deployments the Kubernetes Deployments (their pod labels)
 */
public record IstioConfig(
    List<String> files,
    List<ServiceEntry> serviceEntries,
    List<WorkloadEntry> workloadEntries,
    List<DestinationRule> destinationRules,
    List<VirtualService> virtualServices,
    List<Diagnostic> diagnostics,
    SourceLines sourceLines,
    List<Deployment> deployments) {

  /** Copies the lists so the record stays immutable. */
  public IstioConfig {
    files = List.copyOf(files);
    serviceEntries = List.copyOf(serviceEntries);
    workloadEntries = List.copyOf(workloadEntries);
    destinationRules = List.copyOf(destinationRules);
    virtualServices = List.copyOf(virtualServices);
    diagnostics = List.copyOf(diagnostics);
    sourceLines = sourceLines == null ? SourceLines.NONE : sourceLines;
    deployments = deployments == null ? List.of() : List.copyOf(deployments);
  }

  /** A configuration without source positions. */
  public IstioConfig(
      List<String> files,
      List<ServiceEntry> serviceEntries,
      List<WorkloadEntry> workloadEntries,
      List<DestinationRule> destinationRules,
      List<VirtualService> virtualServices,
      List<Diagnostic> diagnostics) {
    this(files, serviceEntries, workloadEntries, destinationRules, virtualServices, diagnostics,
        SourceLines.NONE, List.of());
  }

  /** Whether loading found any error. */
  public boolean hasErrors() {
    return diagnostics.stream().anyMatch(Diagnostic::isError);
  }
}
