package io.bowline.proxy;

import io.bowline.api.MeshClient;
import io.bowline.controlplane.LocalControlPlane;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A proxy routed by Istio YAML: a {@link LocalControlPlane} serving a temporary configuration
 * directory, the proxy's mesh client (workload {@code sleep.default}, label {@code app=sleep}) and
 * a {@link BowlineProxy} with an outbound listener on a free port (its TCP listeners on free ports too,
 * {@link BowlineProxy#awaitTcpPort}). Closed in reverse order.
 */
public final class IstioMesh implements AutoCloseable {
  private final Path dir;
  private final LocalControlPlane controlPlane;
  private final MeshClient mesh;
  private final BowlineProxy proxy;

  /** Starts the control plane on {@code yaml} (one file), the mesh client and the proxy. */
  public IstioMesh(String yaml) throws Exception {
    this(yaml, b -> { });
  }

  /** The same, with {@code proxy} adding to the proxy's builder (an admin port...). */
  public IstioMesh(String yaml, java.util.function.Consumer<BowlineProxy.Builder> proxy) throws Exception {
    dir = Files.createTempDirectory("proxy-istio");
    Files.writeString(dir.resolve("00-mesh.yaml"), yaml);
    controlPlane = LocalControlPlane.builder(dir).port(0).start();
    if (controlPlane.diagnostics().stream().anyMatch(d -> d.isError())) {
      throw new IllegalStateException("the YAML does not load: " + controlPlane.diagnostics());
    }
    mesh = MeshClient.builder().workload("sleep", "default").label("app", "sleep")
        .xdsServer("127.0.0.1:" + controlPlane.port()).build();
    mesh.awaitReady(Duration.ofSeconds(20));
    BowlineProxy.Builder builder = BowlineProxy.builder().mesh(mesh).outbound(0).tcpPorts(port -> 0).threads(1);
    proxy.accept(builder);
    this.proxy = builder.start();
  }

  /**
   * Istio YAML for service {@code name}{@code .default.svc.cluster.local} on {@code port} with
   * {@code protocol} (port name its lower case), resolved to loopback workloads: one
   * WorkloadEntry per {@code version → port} (labels {@code app: name, version: v}).
   */
  public static String service(String name, int port, String protocol, java.util.Map<String, Integer> versions) {
    String portName = protocol.toLowerCase(java.util.Locale.ROOT);
    StringBuilder y = new StringBuilder("""
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: %1$s, namespace: default}
        spec:
          hosts: [%1$s.default.svc.cluster.local]
          ports: [{number: %2$d, name: %3$s, protocol: %4$s}]
          resolution: STATIC
          workloadSelector: {labels: {app: %1$s}}
        """.formatted(name, port, portName, protocol));
    versions.forEach((v, p) -> y.append("""
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: %1$s-%2$s, namespace: default}
        spec: {address: 127.0.0.1, ports: {%3$s: %4$d}, labels: {app: %1$s, version: %2$s}}
        """.formatted(name, v, portName, p)));
    return y.append("---\n").toString();
  }

  /**
   * Istio YAML for meshConfig's {@code accessLogFile} (the {@code istio} ConfigMap of {@code istio-system}): every
   * listener gets a file access log in Istio's default format at {@code file}.
   */
  public static String accessLogFile(java.nio.file.Path file) {
    return """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: istio, namespace: istio-system}
        data:
          mesh: |-
            accessLogFile: %s
        """.formatted(file);
  }

  /**
   * Asserts that {@code seen} counts exactly {@code first} and {@code second}, and that {@code first}'s share of
   * the total is {@code p} within 4.5 standard deviations of a binomial share.
   */
  public static void assertSplit(java.util.Map<String, Integer> seen, String first, String second, double p) {
    int n = seen.values().stream().mapToInt(Integer::intValue).sum();
    double sd = Math.sqrt(p * (1 - p) / n);
    double share = seen.getOrDefault(first, 0) / (double) n;
    org.assertj.core.api.Assertions.assertThat(seen.keySet()).containsExactlyInAnyOrder(first, second);
    org.assertj.core.api.Assertions.assertThat(share).as("%s's share of %s: %s", first, n, seen)
        .isBetween(p - 4.5 * sd, p + 4.5 * sd);
  }

  public BowlineProxy proxy() {
    return proxy;
  }

  public MeshClient mesh() {
    return mesh;
  }

  public LocalControlPlane controlPlane() {
    return controlPlane;
  }

  @Override
  public void close() throws IOException {
    proxy.close();
    mesh.close();
    controlPlane.close();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
