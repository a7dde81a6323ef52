package io.bowline.api;

import io.bowline.api.config.LocalityEndpoints;
import io.bowline.api.filter.HttpFilter;
import io.bowline.api.spi.MeshRuntimeProvider;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.TimeoutException;

/**
 * One workload's view of the mesh: it holds the xDS subscription for that workload and applies
 * the configuration it receives to the workload's outbound calls.
 *
 * <p>Create one per workload identity with {@link #builder()}; install it into clients with the
 * runtime's typed adapters ({@code io.bowline.runtime.adapter.okhttp.BowlineOkHttp},
 * {@code io.bowline.runtime.adapter.grpc.BowlineGrpc}); {@link #close()} it when the workload
 * stops. Thread-safe.
 *
 * <pre>{@code
 * MeshClient mesh = MeshClient.builder()
 *     .workload("productpage-v1", "default")
 *     .xdsServer("localhost:15010")
 *     .build();
 * OkHttpClient http = BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
 * ManagedChannel reviews = BowlineGrpc.channel(mesh, "xds:///reviews.default.svc.cluster.local:9080");
 * }</pre>
 *
 * <p>The implementation lives in {@code mesh-runtime}, found with {@link ServiceLoader}; this
 * module depends on the JDK only, so it names no OkHttp or gRPC type: the adapters are in the
 * runtime, where they can be typed.
 */
public interface MeshClient extends AutoCloseable {

  /**
   * Starts a builder.
   *
   * @return a builder with no config source set
   */
  static Builder builder() {
    return new Builder();
  }

  /**
   * Waits until the first complete configuration arrived (listeners, clusters and every route
   * configuration and endpoint assignment they name) and its clusters have warmed: their TLS
   * certificates and trust bundles are here, or the initial fetch timeout passed without them
   * (Envoy's cluster warming).
   *
   * @param timeout how long to wait
   * @throws TimeoutException if it did not arrive within {@code timeout}
   * @throws InterruptedException if interrupted while waiting
   */
  void awaitReady(Duration timeout) throws TimeoutException, InterruptedException;

  /**
   * The client's configuration status, per resource, in the shape of CSDS (client status discovery).
   *
   * @return a snapshot of every subscribed resource's state, version and error
   */
  ClientStatus status();

  /**
   * Calls {@code listener} after each configuration update has been handled: accepted resources
   * are in the routing in use, rejected ones NACKed, and {@link #status()} shows both. Runs on the
   * client's configuration thread, so it must be short and must not block; an exception it throws
   * is logged and ignored.
   *
   * @param listener called once per handled update (and DNS re-resolution)
   * @return removes the listener; idempotent
   */
  Runnable onConfigUpdate(Runnable listener);

  /**
   * The workload this client speaks for.
   *
   * @return the name, namespace and labels sent to the control plane
   */
  Workload workload();

  /**
   * Where this client's admin endpoint listens ({@link Builder#adminPort(int)}), with the port actually bound.
   *
   * @return the address, or empty when the client serves no admin endpoint
   */
  default Optional<InetSocketAddress> adminAddress() {
    return Optional.empty();
  }

  /** Stops the xDS subscription and releases connections (and the admin endpoint). Idempotent. */
  @Override
  void close();

  /**
   * Builder for {@link MeshClient}. Not thread-safe.
   *
   * <p>A config source is required: {@link #xdsServer(String)}, {@link #bootstrap(Path)},
   * {@link #bootstrapJson(String)}, or a gRPC xDS bootstrap named by the environment variables
   * {@code GRPC_XDS_BOOTSTRAP} / {@code GRPC_XDS_BOOTSTRAP_CONFIG} or the system properties
   * {@code io.grpc.xds.bootstrap} / {@code io.grpc.xds.bootstrapConfig}. Fields set on the builder
   * override the bootstrap's: {@code xdsServer} replaces {@code xds_servers}, {@code workload}
   * replaces the {@code node}'s identity.
   */
  final class Builder {
    private String workloadName = "unknown";
    private String namespace = "default";
    private final Map<String, String> labels = new LinkedHashMap<>();
    private String xdsServer;
    private Path bootstrap;
    private String clusterDomain = "cluster.local";
    private Duration initialFetchTimeout = Duration.ofSeconds(15);
    private String bootstrapJson;
    private boolean workloadExplicit;
    private Object meterRegistry;
    private Object openTelemetry;
    private Boolean deltaXds;
    private Path staticConfig;
    private List<String> xdsServers = List.of();
    private final Set<String> serverFeatures = new LinkedHashSet<>();
    private LocalityEndpoints.Locality locality;
    private final List<HttpFilter> filters = new ArrayList<>();
    private InetSocketAddress adminHttp;
    private InetSocketAddress adminCsds;

    Builder() {}

    /**
     * Serves Envoy's admin interface on loopback: {@code /config_dump}, {@code /clusters}, {@code /stats},
     * {@code /stats/prometheus}, {@code /ready}, {@code /healthz} and the mesh page at {@code /}. Off by default.
     *
     * @param port the TCP port; 0 picks a free one ({@link MeshClient#adminAddress()} tells which)
     * @return this builder
     * @throws IllegalArgumentException if the port is outside 0..65535
     */
    public Builder adminPort(int port) {
      return adminAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), checkPort(port, "adminPort")));
    }

    /**
     * Serves the admin interface ({@link #adminPort(int)}) on another address than loopback. Like Envoy's admin
     * it shows the whole configuration: bind it where only operators can reach it.
     *
     * @param address the address and port (port 0 picks a free one)
     * @return this builder
     */
    public Builder adminAddress(InetSocketAddress address) {
      this.adminHttp = Objects.requireNonNull(address, "address");
      return this;
    }

    /**
     * Also serves CSDS ({@code envoy.service.status.v3.ClientStatusDiscoveryService}, plaintext gRPC) on loopback,
     * for tools that speak it. A separate port: the admin endpoint is HTTP/1.1, gRPC needs HTTP/2. Off by default.
     *
     * @param port the TCP port; 0 picks a free one
     * @return this builder
     * @throws IllegalArgumentException if the port is outside 0..65535
     */
    public Builder csdsPort(int port) {
      this.adminCsds = new InetSocketAddress(InetAddress.getLoopbackAddress(), checkPort(port, "csdsPort"));
      return this;
    }

    private static int checkPort(int port, String what) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException(what + " must be within 0..65535, got " + port);
      }
      return port;
    }

    /**
     * Adds an HTTP filter to every routed call's chain, after those added before it. The chain
     * runs these filters in order, then Envoy's fault filter, request mirroring and the router
     * ({@link HttpFilter}).
     *
     * @param filter the filter; it must not block (on a gRPC call it runs on a caller or transport thread)
     * @return this builder
     */
    public Builder filter(HttpFilter filter) {
      filters.add(Objects.requireNonNull(filter, "filter"));
      return this;
    }

    /**
     * The workload's name and Kubernetes namespace. The namespace resolves short host names
     * ({@code reviews} becomes {@code reviews.<namespace>.svc.cluster.local}) and goes to the
     * control plane as node metadata {@code NAMESPACE}.
     *
     * @param name the workload name, e.g. {@code productpage-v1}
     * @param namespace the Kubernetes namespace, e.g. {@code default}
     * @return this builder
     * @throws IllegalArgumentException if either is blank
     */
    public Builder workload(String name, String namespace) {
      this.workloadName = requireNonBlank(name, "name");
      this.namespace = requireNonBlank(namespace, "namespace");
      this.workloadExplicit = true;
      return this;
    }

    /**
     * A label of this workload (Istio node metadata {@code LABELS}), e.g. {@code app=productpage}.
     *
     * @param key the label key
     * @param value the label value
     * @return this builder
     * @throws IllegalArgumentException if the key is blank
     */
    public Builder label(String key, String value) {
      labels.put(requireNonBlank(key, "key"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /**
     * The ADS server, {@code host:port}, plaintext (istiod's 15010, or the local control plane).
     *
     * @param hostPort the server's {@code host:port}
     * @return this builder
     * @throws IllegalArgumentException if it is blank
     */
    public Builder xdsServer(String hostPort) {
      this.xdsServer = requireNonBlank(hostPort, "hostPort");
      this.xdsServers = List.of();
      return this;
    }

    /**
     * Several ADS servers, {@code host:port}, plaintext, as the bootstrap's {@code xds_servers}:
     * the first is the primary; when it cannot be reached the client falls back to the next and
     * returns to the primary once it is reachable again (gRFC A71). Replaces {@link #xdsServer}.
     *
     * @param hostPorts the servers' {@code host:port}, primary first
     * @return this builder
     * @throws IllegalArgumentException if none is given or one is blank
     */
    public Builder xdsServers(String... hostPorts) {
      if (hostPorts.length == 0) {
        throw new IllegalArgumentException("xdsServers needs at least one server");
      }
      for (String h : hostPorts) {
        requireNonBlank(h, "hostPort");
      }
      this.xdsServers = List.of(hostPorts);
      this.xdsServer = hostPorts[0];
      return this;
    }

    /**
     * {@code server_features} for every xDS server (added to the bootstrap's), e.g.
     * {@code ignore_resource_deletion} (gRFC A53: keep resources a SotW response omits) or
     * {@code bowline.delta_ads} (incremental ADS).
     *
     * @param features the feature names
     * @return this builder
     * @throws IllegalArgumentException if one is blank
     */
    public Builder serverFeatures(String... features) {
      for (String f : features) {
        serverFeatures.add(requireNonBlank(f, "feature"));
      }
      return this;
    }

    /**
     * The node's {@code locality} sent to the control plane (replaces the bootstrap's), used for
     * locality-aware endpoint assignment. Empty strings for unknown parts.
     *
     * @param region {@code locality.region}
     * @param zone {@code locality.zone}
     * @param subZone {@code locality.sub_zone}
     * @return this builder
     */
    public Builder locality(String region, String zone, String subZone) {
      this.locality = new LocalityEndpoints.Locality(
          Objects.requireNonNull(region, "region"), Objects.requireNonNull(zone, "zone"),
          Objects.requireNonNull(subZone, "subZone"));
      return this;
    }

    /**
     * A gRPC xDS bootstrap file (gRFC A27 JSON, unchanged: {@code xds_servers}, {@code node},
     * {@code certificate_providers}, {@code server_listener_resource_name_template},
     * {@code authorities}), e.g. the one Istio's agent writes for proxyless gRPC. Read by
     * {@link #build()}, which throws {@link IllegalArgumentException} naming the file and field if
     * it is invalid.
     *
     * @param file the bootstrap JSON file
     * @return this builder
     */
    public Builder bootstrap(Path file) {
      this.bootstrap = Objects.requireNonNull(file, "file");
      this.bootstrapJson = null;
      return this;
    }

    /**
     * The gRPC xDS bootstrap as JSON text; see {@link #bootstrap(Path)}.
     *
     * @param json the bootstrap JSON
     * @return this builder
     * @throws IllegalArgumentException if it is blank
     */
    public Builder bootstrapJson(String json) {
      this.bootstrapJson = requireNonBlank(json, "json");
      this.bootstrap = null;
      return this;
    }

    /**
     * The Micrometer registry for the mesh's metrics: Istio's standard metrics
     * ({@code istio_requests_total}, durations and sizes), Envoy's cluster request counters, the
     * xDS client's (connection state, resources by type and status, updates, NACKs) and the
     * mirror's. Default: {@code Metrics.globalRegistry}.
     *
     * @param registry an {@code io.micrometer.core.instrument.MeterRegistry}
     * @return this builder
     */
    public Builder meterRegistry(Object registry) {
      this.meterRegistry = Objects.requireNonNull(registry, "registry");
      return this;
    }

    /**
     * The OpenTelemetry instance for the mesh's spans: one client span per routed call and one per
     * upstream attempt, as Envoy's router makes them, with Envoy's and Istio's tags, and the trace
     * context sent upstream in the format the configuration names (B3 or W3C). Default:
     * {@code GlobalOpenTelemetry}; without an SDK the API is a no-op and calls still route.
     *
     * @param openTelemetry an {@code io.opentelemetry.api.OpenTelemetry}
     * @return this builder
     */
    public Builder openTelemetry(Object openTelemetry) {
      this.openTelemetry = Objects.requireNonNull(openTelemetry, "openTelemetry");
      return this;
    }

    /**
     * Incremental (delta) ADS ({@code DeltaAggregatedResources}) instead of state of the world.
     * Default: state of the world unless the bootstrap server lists the feature
     * {@code bowline.delta_ads}.
     *
     * @param delta {@code true} for incremental ADS, {@code false} for state of the world
     * @return this builder
     */
    public Builder deltaXds(boolean delta) {
      this.deltaXds = delta;
      return this;
    }

    /**
     * Runs without a control plane: the listeners and clusters of an Envoy configuration file,
     * YAML or JSON (an Envoy bootstrap's {@code static_resources}, or a file of
     * {@code resources} as Envoy's {@code path_config_source} reads), validated as xDS resources
     * are. Only listeners with an {@code api_listener} route calls (named {@code host:port});
     * STATIC clusters carry their endpoints. Files named by {@code dynamic_resources.lds_config} /
     * {@code cds_config} {@code path_config_source} are added and watched for changes.
     * {@link #build()} throws {@link IllegalArgumentException} naming the file if it cannot be loaded.
     *
     * @param file the Envoy YAML or JSON file
     * @return this builder
     */
    public Builder staticConfig(Path file) {
      this.staticConfig = Objects.requireNonNull(file, "file");
      return this;
    }

    /**
     * The Kubernetes cluster domain used to expand short host names. Default {@code cluster.local}.
     *
     * @param clusterDomain e.g. {@code cluster.local}
     * @return this builder
     * @throws IllegalArgumentException if it is blank
     */
    public Builder clusterDomain(String clusterDomain) {
      this.clusterDomain = requireNonBlank(clusterDomain, "clusterDomain");
      return this;
    }

    /**
     * How long a call waits for the first configuration before it is passed through unrouted, and
     * how long a cluster warms waiting for its TLS certificate before calls to it fail with
     * {@code UF}. Envoy's {@code ConfigSource.initial_fetch_timeout}; default 15 s.
     *
     * @param timeout zero or more
     * @return this builder
     * @throws IllegalArgumentException if it is negative
     */
    public Builder initialFetchTimeout(Duration timeout) {
      if (timeout.isNegative()) {
        throw new IllegalArgumentException("initialFetchTimeout must not be negative: " + timeout);
      }
      this.initialFetchTimeout = timeout;
      return this;
    }

    /**
     * Builds and starts the client: opens the ADS stream in the background and returns at once.
     *
     * @throws IllegalStateException if no config source is set, or no runtime is on the class path
     * @return the started client; close it to stop the subscription
     */
    public MeshClient build() {
      if (xdsServer == null && bootstrap == null && bootstrapJson == null && staticConfig == null
          && !bootstrapInEnvironment()) {
        throw new IllegalStateException("MeshClient needs a config source: call xdsServer(\"host:port\"), "
            + "bootstrap(Path), bootstrapJson(String) or staticConfig(Path), or set GRPC_XDS_BOOTSTRAP / GRPC_XDS_BOOTSTRAP_CONFIG");
      }
      MeshRuntimeProvider provider =
          ServiceLoader.load(MeshRuntimeProvider.class, MeshClient.class.getClassLoader())
              .findFirst()
              .orElseThrow(
                  () -> new IllegalStateException(
                      "no Bowline runtime on the class path: add io.bowline:mesh-runtime"));
      return provider.create(settings());
    }

    /**
     * The builder's state as an immutable value, for runtime providers.
     *
     * @return the settings {@link #build()} hands to the runtime
     */
    public MeshSettings settings() {
      return new MeshSettings(
          new Workload(workloadName, namespace, Map.copyOf(labels)),
          xdsServer,
          clusterDomain,
          initialFetchTimeout,
          bootstrap,
          bootstrapJson,
          workloadExplicit,
          meterRegistry,
          deltaXds,
          staticConfig,
          new XdsOverrides(xdsServers, serverFeatures, locality),
          filters,
          new AdminSettings(adminHttp, adminCsds),
          openTelemetry);
    }

    private static boolean bootstrapInEnvironment() {
      for (String[] pair : new String[][] {
          {"GRPC_XDS_BOOTSTRAP", "io.grpc.xds.bootstrap"},
          {"GRPC_XDS_BOOTSTRAP_CONFIG", "io.grpc.xds.bootstrapConfig"}}) {
        String env = System.getenv(pair[0]);
        String prop = System.getProperty(pair[1]);
        if ((env != null && !env.isBlank()) || (prop != null && !prop.isBlank())) {
          return true;
        }
      }
      return false;
    }

    private static String requireNonBlank(String value, String what) {
      if (value == null || value.isBlank()) {
        throw new IllegalArgumentException(what + " must not be blank");
      }
      return value;
    }
  }
}
