package io.bowline.benchmarks;

import io.bowline.api.MeshClient;
import io.bowline.controlplane.LocalControlPlane;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;

/**
 * Benchmark P3 (not JMH: one measurement is one file write): a generated mesh of 1000 services and 10 000
 * endpoints as Istio YAML, served by the local control plane to one Bowline runtime client. Each iteration
 * changes either one endpoint (a WorkloadEntry's address) or one VirtualService (its subset) and measures
 * the time from the file write until the client has accepted the new EDS or RDS version (its ACK, after the
 * runtime compiled the snapshot its router uses). Prints p50/p90/p99/max in ms and the heap used after a GC
 * (control plane and client share this JVM, so it is an upper bound for the control plane). The first
 * {@code warmup} changes (JIT compilation of the load/translate/serve path) are printed but not counted.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar io.bowline.benchmarks.ControlPlaneP3 [iterations [warmup]]}.
 */
public final class ControlPlaneP3 {

  private static final int SERVICES = 1000;
  private static final int ENDPOINTS_PER_SERVICE = 10;
  private static final String RDS = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
  private static final String EDS = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";

  private ControlPlaneP3() {}

  public static void main(String[] args) throws Exception {
    int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 40;
    int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    List<Double> warmupMs = new ArrayList<>();
    Path dir = Files.createTempDirectory("bowline-p3");
    writeServices(dir);
    writeChanging(dir, 0);
    List<Double> endpointMs = new ArrayList<>();
    List<Double> routeMs = new ArrayList<>();
    try (LocalControlPlane controlPlane = LocalControlPlane.builder(dir).port(0)
            .debounce(Duration.ofMillis(10)).start();
        MeshClient client = MeshClient.builder()
            .workload("bench-client", "default")
            .xdsServer("127.0.0.1:" + controlPlane.port())
            .build()) {
      client.awaitReady(Duration.ofSeconds(120));
      for (int i = 1; i <= warmup + iterations; i++) {
        boolean route = i % 2 == 0;
        String type = route ? RDS : EDS;
        String before = client.status().versionOf(type);
        long start = System.nanoTime();
        if (route) {
          writeRoute(dir, i);
        } else {
          writeChanging(dir, i);
        }
        while (client.status().versionOf(type).equals(before)) {
          // Poll every 0.5 ms: a busy spin (status() copies the client's state) would take a core from the
          // control plane on a small machine.
          LockSupport.parkNanos(500_000);
          if (System.nanoTime() - start > 60_000_000_000L) {
            throw new IllegalStateException("no new " + type + " within 60 s at iteration " + i);
          }
        }
        double ms = (System.nanoTime() - start) / 1e6;
        (i <= warmup ? warmupMs : route ? routeMs : endpointMs).add(ms);
      }
      System.gc();
      long heap = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
      System.out.printf(Locale.ROOT, "P3 %d services, %d endpoints, %d iterations%n", SERVICES,
          SERVICES * ENDPOINTS_PER_SERVICE, iterations);
      System.out.printf(Locale.ROOT, "warm-up (%d changes, not counted, in order): %s%n", warmup,
          warmupMs.stream().map(ms -> String.format(Locale.ROOT, "%.0f", ms)).toList());
      report("endpoint change -> client EDS", endpointMs);
      report("VirtualService change -> client RDS", routeMs);
      System.out.printf(Locale.ROOT, "heap used after GC (control plane + client): %.1f MB%n", heap / 1e6);
    }
  }

  private static void report(String what, List<Double> samples) {
    List<Double> sorted = new ArrayList<>(samples);
    Collections.sort(sorted);
    System.out.printf(Locale.ROOT, "%-40s p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms (n=%d)%n", what,
        percentile(sorted, 50), percentile(sorted, 90), percentile(sorted, 99), sorted.get(sorted.size() - 1),
        sorted.size());
  }

  private static double percentile(List<Double> sorted, int p) {
    int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
  }

  private static void writeServices(Path dir) throws IOException {
    StringBuilder yaml = new StringBuilder();
    for (int s = 0; s < SERVICES; s++) {
      yaml.append("""
          apiVersion: networking.istio.io/v1
          kind: ServiceEntry
          metadata: {name: svc-%1$d}
          spec:
            hosts: [svc-%1$d.default.svc.cluster.local]
            ports: [{number: 8080, name: http, protocol: HTTP}]
            resolution: STATIC
            workloadSelector: {labels: {app: svc-%1$d}}
          ---
          """.formatted(s));
      for (int e = 0; e < ENDPOINTS_PER_SERVICE; e++) {
        if (s == 0 && e == 0) {
          continue; // the changing endpoint lives in its own file
        }
        yaml.append("""
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: svc-%1$d-%2$d}
            spec:
              address: 10.%3$d.%4$d.%5$d
              labels: {app: svc-%1$d, version: v%6$d}
            ---
            """.formatted(s, e, s / 250, s % 250, e + 1, e % 2 + 1));
      }
    }
    yaml.append("""
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: svc-0}
        spec:
          host: svc-0.default.svc.cluster.local
          subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
        """);
    Files.writeString(dir.resolve("00-mesh.yaml"), yaml);
    writeRoute(dir, 0);
  }

  private static void writeChanging(Path dir, int i) throws IOException {
    Files.writeString(dir.resolve("10-endpoint.yaml"), """
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: svc-0-0}
        spec:
          address: 10.200.%d.%d
          labels: {app: svc-0, version: v1}
        """.formatted(i / 250, i % 250 + 1));
  }

  private static void writeRoute(Path dir, int i) throws IOException {
    Files.writeString(dir.resolve("20-route.yaml"), """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: svc-0}
        spec:
          hosts: [svc-0.default.svc.cluster.local]
          http:
          - route: [{destination: {host: svc-0.default.svc.cluster.local, subset: v%d}}]
        """.formatted(i / 2 % 2 + 1));
  }
}
