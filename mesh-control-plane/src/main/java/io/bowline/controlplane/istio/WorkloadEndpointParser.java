package io.bowline.controlplane.istio;

import java.util.Optional;
import java.util.Set;

/** Parses a {@code WorkloadEntry} spec, which is also the shape of a {@code ServiceEntry.endpoints[]} entry. */
final class WorkloadEndpointParser {

  /** {@code serviceAccount} is read by the WorkloadEntry loader (the SAN of ISTIO_MUTUAL clusters). */
  private static final Set<String> HANDLED =
      Set.of("address", "ports", "labels", "weight", "locality", "serviceAccount");
  private static final Set<String> IGNORED = Set.of("network");

  private WorkloadEndpointParser() {}

  /** Returns the endpoint, or empty (after an error) when {@code address} is missing. */
  static Optional<WorkloadEndpoint> parse(SpecReader spec) {
    spec.reportUnhandled(HANDLED, IGNORED);
    Optional<String> address = spec.requiredString("address");
    if (address.isPresent() && address.get().startsWith("unix://")) {
      spec.warning("address", "unix domain socket endpoints are not translated yet; endpoint skipped");
      return Optional.empty();
    }
    if (address.isPresent() && !ValueChecks.endpointAddress(spec, "address", address.get())) {
      return Optional.empty();
    }
    return address.map(value -> new WorkloadEndpoint(
        value,
        spec.portMap("ports"),
        spec.stringMap("labels"),
        spec.integer("weight").orElse(0),
        spec.string("locality").orElse("")));
  }
}
