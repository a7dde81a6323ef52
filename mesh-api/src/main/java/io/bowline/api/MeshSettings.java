package io.bowline.api;

import io.bowline.api.filter.HttpFilter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Everything {@link MeshClient.Builder} collected, handed to the runtime.
 *
 * @param workload who the client speaks for
 * @param xdsServer ADS server {@code host:port}, or {@code null} to take the servers from the bootstrap
 * @param clusterDomain Kubernetes cluster domain, e.g. {@code cluster.local}
 * @param initialFetchTimeout how long a call waits for the first configuration, and the xDS
 *     does-not-exist timer ({@code ConfigSource.initial_fetch_timeout}); zero waits forever
 * @param bootstrapFile a gRPC xDS bootstrap JSON file, or {@code null}
 * @param bootstrapJson gRPC xDS bootstrap JSON text, or {@code null}
 * @param workloadExplicit whether {@link MeshClient.Builder#workload} was called; if not, the
 *     bootstrap's {@code node} speaks for the workload
 * @param meterRegistry a {@code io.micrometer.core.instrument.MeterRegistry}, or {@code null} for
 *     Micrometer's global registry
 * @param deltaXds {@code true} for incremental ADS, {@code false} for state of the world,
 *     {@code null} to follow the bootstrap's {@code server_features}
 * @param staticConfig an Envoy configuration file whose {@code static_resources} replace xDS, or
 *     {@code null}
 * @param xdsOverrides several servers, server features and locality set on the builder; never
 *     {@code null} ({@link XdsOverrides#NONE})
 * @param filters the HTTP filters registered on the builder, in order; never {@code null}
 * @param admin the admin endpoint's addresses; never {@code null} ({@link AdminSettings#NONE})
 */
public record MeshSettings(
    Workload workload,
    String xdsServer,
    String clusterDomain,
    Duration initialFetchTimeout,
    Path bootstrapFile,
    String bootstrapJson,
    boolean workloadExplicit,
    Object meterRegistry,
    Boolean deltaXds,
    Path staticConfig,
    XdsOverrides xdsOverrides,
    List<HttpFilter> filters,
    AdminSettings admin,
    Object openTelemetry) {

  /**
   * Checks the components.
   *
   * @param workload who the client speaks for
   * @param xdsServer ADS server {@code host:port}, or {@code null} to take the servers from the bootstrap
   * @param clusterDomain Kubernetes cluster domain, e.g. {@code cluster.local}
   * @param initialFetchTimeout how long a call waits for the first configuration, and the xDS does-not-exist
   *     timer ({@code ConfigSource.initial_fetch_timeout}); zero waits forever
   * @param bootstrapFile a gRPC xDS bootstrap JSON file, or {@code null}
   * @param bootstrapJson gRPC xDS bootstrap JSON text, or {@code null}
   * @param workloadExplicit whether {@link MeshClient.Builder#workload} was called; if not, the bootstrap's
   *     {@code node} speaks for the workload
   * @param meterRegistry a {@code io.micrometer.core.instrument.MeterRegistry}, or {@code null} for
   *     Micrometer's global registry
   * @param deltaXds {@code true} for incremental ADS, {@code false} for state of the world, {@code null} to
   *     follow the bootstrap's {@code server_features}
   * @param staticConfig an Envoy configuration file whose {@code static_resources} replace xDS, or {@code
   *     null}
   * @param xdsOverrides several servers, server features and locality set on the builder; never {@code null}
   *     ({@link XdsOverrides#NONE})
   * @param filters the HTTP filters registered on the builder, in order; {@code null} for none
   * @param admin the admin endpoint's addresses; {@code null} for none
   * @param openTelemetry an {@code io.opentelemetry.api.OpenTelemetry} for the mesh's spans, or {@code null}
   *     for {@code GlobalOpenTelemetry}
   */
  public MeshSettings {
    if (xdsOverrides == null) {
      xdsOverrides = XdsOverrides.NONE;
    }
    filters = filters == null ? List.of() : List.copyOf(filters);
    if (admin == null) {
      admin = AdminSettings.NONE;
    }
  }

  /**
   * Settings without an admin endpoint or an OpenTelemetry instance ({@code GlobalOpenTelemetry} then).
   *
   * @param workload who the client speaks for
   * @param xdsServer ADS server {@code host:port}, or {@code null} to take the servers from the bootstrap
   * @param clusterDomain Kubernetes cluster domain, e.g. {@code cluster.local}
   * @param initialFetchTimeout how long a call waits for the first configuration; zero waits forever
   * @param bootstrapFile a gRPC xDS bootstrap JSON file, or {@code null}
   * @param bootstrapJson gRPC xDS bootstrap JSON text, or {@code null}
   * @param workloadExplicit whether {@link MeshClient.Builder#workload} was called
   * @param meterRegistry a {@code io.micrometer.core.instrument.MeterRegistry}, or {@code null}
   * @param deltaXds {@code true} for incremental ADS, {@code false} for state of the world, {@code null} to
   *     follow the bootstrap
   * @param staticConfig an Envoy configuration file whose {@code static_resources} replace xDS, or {@code null}
   * @param xdsOverrides several servers, server features and locality set on the builder
   * @param filters the HTTP filters registered on the builder, in order; {@code null} for none
   */
  public MeshSettings(Workload workload, String xdsServer, String clusterDomain, Duration initialFetchTimeout,
      Path bootstrapFile, String bootstrapJson, boolean workloadExplicit, Object meterRegistry, Boolean deltaXds,
      Path staticConfig, XdsOverrides xdsOverrides, List<HttpFilter> filters) {
    this(workload, xdsServer, clusterDomain, initialFetchTimeout, bootstrapFile, bootstrapJson, workloadExplicit,
        meterRegistry, deltaXds, staticConfig, xdsOverrides, filters, AdminSettings.NONE, null);
  }

  /**
   * Settings without {@link XdsOverrides}.
   *
   * @param workload who the client speaks for
   * @param xdsServer ADS server {@code host:port}, or {@code null} to take the servers from the bootstrap
   * @param clusterDomain Kubernetes cluster domain, e.g. {@code cluster.local}
   * @param initialFetchTimeout how long a call waits for the first configuration, and the xDS does-not-exist
   *     timer ({@code ConfigSource.initial_fetch_timeout}); zero waits forever
   * @param bootstrapFile a gRPC xDS bootstrap JSON file, or {@code null}
   * @param bootstrapJson gRPC xDS bootstrap JSON text, or {@code null}
   * @param workloadExplicit whether {@link MeshClient.Builder#workload} was called; if not, the bootstrap's
   *     {@code node} speaks for the workload
   * @param meterRegistry a {@code io.micrometer.core.instrument.MeterRegistry}, or {@code null} for
   *     Micrometer's global registry
   * @param deltaXds {@code true} for incremental ADS, {@code false} for state of the world, {@code null} to
   *     follow the bootstrap's {@code server_features}
   * @param staticConfig an Envoy configuration file whose {@code static_resources} replace xDS, or {@code
   *     null}
   */
  public MeshSettings(Workload workload, String xdsServer, String clusterDomain, Duration initialFetchTimeout,
      Path bootstrapFile, String bootstrapJson, boolean workloadExplicit, Object meterRegistry, Boolean deltaXds,
      Path staticConfig) {
    this(workload, xdsServer, clusterDomain, initialFetchTimeout, bootstrapFile, bootstrapJson, workloadExplicit,
        meterRegistry, deltaXds, staticConfig, XdsOverrides.NONE, List.of());
  }

  /**
   * Settings for an explicit workload and ADS server, with no bootstrap.
   *
   * @param workload who the client speaks for
   * @param xdsServer ADS server {@code host:port}, or {@code null} to take the servers from the bootstrap
   * @param clusterDomain Kubernetes cluster domain, e.g. {@code cluster.local}
   * @param initialFetchTimeout how long a call waits for the first configuration, and the xDS does-not-exist
   *     timer ({@code ConfigSource.initial_fetch_timeout}); zero waits forever
   */
  public MeshSettings(Workload workload, String xdsServer, String clusterDomain, Duration initialFetchTimeout) {
    this(workload, xdsServer, clusterDomain, initialFetchTimeout, null, null, true, null, null, null);
  }
}
