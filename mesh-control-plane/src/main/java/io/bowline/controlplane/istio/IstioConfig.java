package io.bowline.controlplane.istio;

import io.bowline.controlplane.Diagnostic;
import java.util.List;
import java.util.Map;

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
 * @param sidecars the Sidecars (their egress host scoping)
 * @param exportTo the {@code exportTo} of each ServiceEntry and VirtualService that sets one
 * @param security the PeerAuthentications and AuthorizationPolicies
 * @param gateways the Gateways, the VirtualServices bound to them and the TLS Secrets their servers name
 * @param telemetry the mesh configuration (ConfigMap {@code istio-system/istio}) and the Telemetry resources
 * @param envoyFilters the EnvoyFilters, each with the patches the local control plane applies
 */
public record IstioConfig(
    List<String> files,
    List<ServiceEntry> serviceEntries,
    List<WorkloadEntry> workloadEntries,
    List<DestinationRule> destinationRules,
    List<VirtualService> virtualServices,
    List<Diagnostic> diagnostics,
    SourceLines sourceLines,
    List<Deployment> deployments,
    List<Sidecar> sidecars,
    Map<ResourceRef, ExportTo> exportTo,
    SecurityPolicies security,
    Gateways gateways,
    TelemetryPolicies telemetry,
    List<EnvoyFilter> envoyFilters) {

  /** Copies the lists so the record stays immutable. */
  public IstioConfig {
    envoyFilters = envoyFilters == null ? List.of() : List.copyOf(envoyFilters);
    telemetry = telemetry == null ? TelemetryPolicies.NONE : telemetry;
    gateways = gateways == null ? Gateways.NONE : gateways;
    security = security == null ? SecurityPolicies.NONE : security;
    sidecars = sidecars == null ? List.of() : List.copyOf(sidecars);
    exportTo = exportTo == null ? Map.of() : Map.copyOf(exportTo);
    files = List.copyOf(files);
    serviceEntries = List.copyOf(serviceEntries);
    workloadEntries = List.copyOf(workloadEntries);
    destinationRules = List.copyOf(destinationRules);
    virtualServices = List.copyOf(virtualServices);
    diagnostics = List.copyOf(diagnostics);
    sourceLines = sourceLines == null ? SourceLines.NONE : sourceLines;
    deployments = deployments == null ? List.of() : List.copyOf(deployments);
  }

  /** A configuration with nothing in it: no files read, no resources, no diagnostics. */
  public static IstioConfig empty() {
    return new IstioConfig(List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), null, null, null, null,
        null, null, null, null);
  }

  /** The same configuration with other WorkloadEntries (for example the files' plus registered ones). */
  public IstioConfig withWorkloadEntries(List<WorkloadEntry> entries) {
    return new IstioConfig(files, serviceEntries, entries, destinationRules, virtualServices, diagnostics,
        sourceLines, deployments, sidecars, exportTo, security, gateways, telemetry, envoyFilters);
  }

  /** The {@code exportTo} of a ServiceEntry or VirtualService; {@link ExportTo#ALL} when unset. */
  public ExportTo exportOf(ResourceRef ref) {
    return exportTo.getOrDefault(ref, ExportTo.ALL);
  }

  /** Whether loading found any error. */
  public boolean hasErrors() {
    return diagnostics.stream().anyMatch(Diagnostic::isError);
  }
}
