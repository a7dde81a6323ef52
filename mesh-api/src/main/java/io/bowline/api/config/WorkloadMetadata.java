package io.bowline.api.config;

import java.util.Objects;

/**
 * The workload behind an endpoint, from istiod's endpoint metadata filter {@code istio}: its {@code workload}
 * field ({@code <name>;<namespace>;<canonical service>;<canonical revision>;<cluster id>}) and, when the control
 * plane sends them (Bowline's does), {@code app}, {@code version} and {@code principal}. The runtime reads it once
 * per endpoint when the EDS resource is accepted; Istio's {@code destination_*} metric labels come from it. Every
 * component is {@value #UNKNOWN} when not known, as Istio reports it.
 *
 * @param workload the workload's name ({@code destination_workload})
 * @param namespace its namespace ({@code destination_workload_namespace})
 * @param canonicalService {@code service.istio.io/canonical-name} ({@code destination_canonical_service})
 * @param canonicalRevision {@code service.istio.io/canonical-revision} ({@code destination_canonical_revision})
 * @param cluster the cluster id of the workload ({@code destination_cluster})
 * @param app its {@code app} label ({@code destination_app})
 * @param version its {@code version} label ({@code destination_version})
 * @param principal its SPIFFE identity ({@code destination_principal})
 */
public record WorkloadMetadata(String workload, String namespace, String canonicalService, String canonicalRevision,
    String cluster, String app, String version, String principal) {

  /** Istio's value for a label it cannot know. */
  public static final String UNKNOWN = "unknown";

  /** No metadata: every component {@value #UNKNOWN}. */
  public static final WorkloadMetadata NONE =
      new WorkloadMetadata(UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN);

  /**
   * Checks the components.
   *
   * @param workload the workload's name
   * @param namespace its namespace
   * @param canonicalService its canonical service
   * @param canonicalRevision its canonical revision
   * @param cluster its cluster id
   * @param app its {@code app} label
   * @param version its {@code version} label
   * @param principal its SPIFFE identity
   * @throws NullPointerException if a component is {@code null}
   */
  public WorkloadMetadata {
    Objects.requireNonNull(workload, "workload");
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(canonicalService, "canonicalService");
    Objects.requireNonNull(canonicalRevision, "canonicalRevision");
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(app, "app");
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(principal, "principal");
  }

  /**
   * Reads istiod's {@code workload} field and the optional extra fields; a missing or empty part is
   * {@value #UNKNOWN}.
   *
   * @param workloadField {@code <name>;<namespace>;<canonical service>;<canonical revision>;<cluster id>}, or
   *     {@code null}
   * @param app the {@code app} field, or {@code null}
   * @param version the {@code version} field, or {@code null}
   * @param principal the {@code principal} field, or {@code null}
   * @return the metadata; {@link #NONE} when every part is missing
   */
  public static WorkloadMetadata parse(String workloadField, String app, String version, String principal) {
    String[] parts = workloadField == null ? new String[0] : workloadField.split(";", -1);
    WorkloadMetadata m = new WorkloadMetadata(part(parts, 0), part(parts, 1), part(parts, 2), part(parts, 3),
        part(parts, 4), orUnknown(app), orUnknown(version), orUnknown(principal));
    return m.equals(NONE) ? NONE : m;
  }

  private static String part(String[] parts, int i) {
    return i < parts.length ? orUnknown(parts[i]) : UNKNOWN;
  }

  private static String orUnknown(String s) {
    return s == null || s.isEmpty() ? UNKNOWN : s;
  }
}
