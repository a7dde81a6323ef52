package io.bowline.controlplane.istio;

import java.util.List;

/**
 * The telemetry settings of a configuration: the mesh configuration and the Telemetry resources, in file order.
 *
 * @param mesh the ConfigMap {@code istio}'s mesh configuration, {@link MeshConfig#DEFAULT} without one
 * @param telemetries the Telemetry resources
 */
public record TelemetryPolicies(MeshConfig mesh, List<Telemetry> telemetries) {

  /** No mesh configuration and no Telemetry. */
  public static final TelemetryPolicies NONE = new TelemetryPolicies(MeshConfig.DEFAULT, List.of());

  /** Copies the list. */
  public TelemetryPolicies {
    mesh = mesh == null ? MeshConfig.DEFAULT : mesh;
    telemetries = List.copyOf(telemetries);
  }

  /** Whether anything asks for telemetry settings: a mesh configuration or a Telemetry. */
  public boolean configured() {
    return mesh.ref() != null || !telemetries.isEmpty();
  }
}
