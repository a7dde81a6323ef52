package io.bowline.api;

import io.bowline.api.spi.MeshRuntimeProvider;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.concurrent.TimeoutException;

/**
 * One workload's view of the mesh: it holds the xDS subscription for that workload and applies
 * the configuration it receives to the workload's outbound calls.
 *
 * <p>Create one per workload identity with {@link #builder()}; install it into HTTP clients with
 * {@link #okHttp(Object)}; {@link #close()} it when the workload stops. Thread-safe.
 *
 * <pre>{@code
 * MeshClient mesh = MeshClient.builder()
 *     .workload("productpage-v1", "default")
 *     .xdsServer("localhost:15010")
 *     .build();
 * OkHttpClient http = mesh.okHttp(new OkHttpClient.Builder()).build();
 * }</pre>
 *
 * <p>The implementation lives in {@code mesh-runtime}, found with {@link ServiceLoader}; this
 * module depends on the JDK only, so adapter methods are typed by their argument.
 */
public interface MeshClient extends AutoCloseable {

  /** Starts a builder. */
  static Builder builder() {
    return new Builder();
  }

  /**
   * Installs the mesh into an OkHttp client builder and returns the same builder.
   *
   * @param okHttpClientBuilder an {@code okhttp3.OkHttpClient.Builder}
   * @param <B> {@code okhttp3.OkHttpClient.Builder}
   * @return the argument, with the mesh interceptor added
   * @throws IllegalArgumentException if the argument is not an {@code OkHttpClient.Builder}
   */
  <B> B okHttp(B okHttpClientBuilder);

  /**
   * A gRPC channel to a mesh target: each call is routed (listener {@code host:port}, virtual
   * host by the target as {@code :authority}, route by {@code /package.Service/Method} and
   * metadata, cluster, endpoint) and sent over a pooled plaintext channel to the chosen endpoint.
   * Targets the mesh does not know are called directly. The channel needs no shutdown; the
   * endpoint channels close with this client.
   *
   * @param target {@code host:port}, e.g. {@code reviews.default.svc.cluster.local:9080}
   * @param <C> {@code io.grpc.Channel}
   * @return an {@code io.grpc.Channel}
   * @throws IllegalArgumentException if {@code target} is not {@code host:port}
   */
  <C> C grpcChannel(String target);

  /**
   * Waits until the first complete configuration arrived (listeners, clusters and every route
   * configuration and endpoint assignment they name).
   *
   * @throws TimeoutException if it did not arrive within {@code timeout}
   * @throws InterruptedException if interrupted while waiting
   */
  void awaitReady(Duration timeout) throws TimeoutException, InterruptedException;

  /** The client's configuration status, per resource, in the shape of CSDS (client status discovery). */
  ClientStatus status();

  /** The workload this client speaks for. */
  Workload workload();

  /** Stops the xDS subscription and releases connections. Idempotent. */
  @Override
  void close();

  /**
   * Builder for {@link MeshClient}. Not thread-safe.
   *
   * <p>A config source is required: {@link #xdsServer(String)}.
   */
  final class Builder {
    private String workloadName = "unknown";
    private String namespace = "default";
    private final Map<String, String> labels = new LinkedHashMap<>();
    private String xdsServer;
    private Path bootstrap;
    private String clusterDomain = "cluster.local";
    private Duration initialFetchTimeout = Duration.ofSeconds(15);

    Builder() {}

    /**
     * The workload's name and Kubernetes namespace. The namespace resolves short host names
     * ({@code reviews} becomes {@code reviews.<namespace>.svc.cluster.local}) and goes to the
     * control plane as node metadata {@code NAMESPACE}.
     */
    public Builder workload(String name, String namespace) {
      this.workloadName = requireNonBlank(name, "name");
      this.namespace = requireNonBlank(namespace, "namespace");
      return this;
    }

    /** A label of this workload (Istio node metadata {@code LABELS}), e.g. {@code app=productpage}. */
    public Builder label(String key, String value) {
      labels.put(requireNonBlank(key, "key"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /** The ADS server, {@code host:port}, plaintext (istiod's 15010, or the local control plane). */
    public Builder xdsServer(String hostPort) {
      this.xdsServer = requireNonBlank(hostPort, "hostPort");
      return this;
    }

    /**
     * The Kubernetes cluster domain used to expand short host names. Default {@code cluster.local}.
     */
    public Builder clusterDomain(String clusterDomain) {
      this.clusterDomain = requireNonBlank(clusterDomain, "clusterDomain");
      return this;
    }

    /**
     * How long a call waits for the first configuration before it is passed through unrouted.
     * Envoy's {@code ConfigSource.initial_fetch_timeout}; default 15 s.
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
     */
    public MeshClient build() {
      if (xdsServer == null) {
        throw new IllegalStateException("MeshClient needs a config source: call xdsServer(\"host:port\")");
      }
      MeshRuntimeProvider provider =
          ServiceLoader.load(MeshRuntimeProvider.class, MeshClient.class.getClassLoader())
              .findFirst()
              .orElseThrow(
                  () -> new IllegalStateException(
                      "no Bowline runtime on the class path: add io.bowline:mesh-runtime"));
      return provider.create(settings());
    }

    /** The builder's state as an immutable value, for runtime providers. */
    public MeshSettings settings() {
      return new MeshSettings(
          new Workload(workloadName, namespace, Map.copyOf(labels)),
          xdsServer,
          clusterDomain,
          initialFetchTimeout);
    }

    private static String requireNonBlank(String value, String what) {
      if (value == null || value.isBlank()) {
        throw new IllegalArgumentException(what + " must not be blank");
      }
      return value;
    }
  }
}
