package io.bowline.benchmarks;

import io.bowline.api.MeshClient;
import io.bowline.controlplane.LocalControlPlane;
import io.bowline.controlplane.ReloadTimings;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * Benchmark P3 (not JMH: one measurement is one file write): a generated mesh of 1000 services and 10 000
 * endpoints as Istio YAML, served by the local control plane to one Bowline runtime client. Each iteration
 * changes either one endpoint (a WorkloadEntry's address) or one VirtualService (its subset) and measures
 * the time from the file write until the client's router uses the new configuration: the runtime has
 * accepted the new EDS or RDS version, compiled its snapshot and published it to its router (the
 * {@code bowline.xds.apply} timer of that type recorded the update, which happens right after the
 * snapshot's volatile write). The control plane's debounce is part of the measure: the default,
 * {@code DirectoryWatcher.DEFAULT_DEBOUNCE} (20 ms).
 *
 * <p>For each change kind it prints p50/p90/p99/max and where the time went on average: write → file event
 * (the kernel's inotify), event → reload start (the debounce), load (parse changed files, assemble),
 * translate, serve (per-view snapshots set; java-control-plane writes the responses), then on the client
 * decode and apply (snapshot compile + router publish) from the runtime's timers, and the rest ("wire"):
 * gRPC transfer, executor queueing, and this harness's polling. Also the heap used after a GC (control
 * plane and client share this JVM, so it is an upper bound for the control plane) and the load average.
 * The first {@code warmup} changes (JIT compilation) are not counted.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar io.bowline.benchmarks.ControlPlaneP3
 * [iterations [warmup [sotw|delta|both]]]} (defaults 40, 10, both: each transport gets its own control plane
 * and client, one after the other).
 */
public final class ControlPlaneP3 {

  private static final int SERVICES = 1000;
  private static final int ENDPOINTS_PER_SERVICE = 10;
  private static final long DEBOUNCE_MS =
      io.bowline.controlplane.server.DirectoryWatcher.DEFAULT_DEBOUNCE.toMillis();
  private static final String RDS = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
  private static final String EDS = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
  private static final String[] PHASES =
      {"inotify", "debounce", "load", "translate", "serve", "wire", "decode", "apply"};

  private ControlPlaneP3() {}

  /** One measured change: the total and its phases, in ms. */
  private record Sample(double totalMs, double[] phasesMs) {}

  public static void main(String[] args) throws Exception {
    int iterations = args.length > 0 ? Integer.parseInt(args[0]) : 40;
    int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    String transports = args.length > 2 ? args[2] : "both";
    System.out.printf(Locale.ROOT, "P3 %d services, %d endpoints, %d iterations (+%d warm-up), debounce %d ms,"
        + " %d CPUs, load average %.2f%n", SERVICES, SERVICES * ENDPOINTS_PER_SERVICE, iterations, warmup,
        DEBOUNCE_MS, Runtime.getRuntime().availableProcessors(), loadAverage());
    for (String transport : transports.equals("both") ? List.of("sotw", "delta") : List.of(transports)) {
      run(transport.equals("delta"), iterations, warmup);
    }
    System.out.printf(Locale.ROOT, "load average at the end: %.2f%n", loadAverage());
  }

  private static void run(boolean delta, int iterations, int warmup) throws Exception {
    Path dir = Files.createTempDirectory("bowline-p3");
    List<Sample> endpointSamples = new ArrayList<>();
    List<Sample> routeSamples = new ArrayList<>();
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try {
      writeServices(dir);
      writeChanging(dir, 0);
      try (LocalControlPlane controlPlane = LocalControlPlane.builder(dir).port(0)
              .debounce(Duration.ofMillis(DEBOUNCE_MS)).start();
          MeshClient client = MeshClient.builder()
              .workload("bench-client", "default")
              .xdsServer("127.0.0.1:" + controlPlane.port())
              .deltaXds(delta)
              .meterRegistry(meters)
              .build()) {
        client.awaitReady(Duration.ofSeconds(120));
        for (int i = 1; i <= warmup + iterations; i++) {
          boolean route = i % 2 == 0;
          Sample sample = change(controlPlane, client, meters, dir, i, route);
          if (i > warmup) {
            (route ? routeSamples : endpointSamples).add(sample);
          }
        }
        System.gc();
        long heap = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        System.out.printf(Locale.ROOT, "%n%s ADS (client and control plane in one JVM)%n",
            delta ? "delta" : "state-of-the-world");
        report("endpoint change -> client router", endpointSamples);
        report("VirtualService change -> client router", routeSamples);
        System.out.printf(Locale.ROOT, "heap used after GC (control plane + client): %.1f MB%n", heap / 1e6);
      }
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
      }
    }
  }

  /** Writes one change and waits until the client's router has the new version of the changed type. */
  private static Sample change(LocalControlPlane controlPlane, MeshClient client, SimpleMeterRegistry meters,
      Path dir, int i, boolean route) throws IOException {
    String type = route ? RDS : EDS;
    String shortType = type.substring(type.lastIndexOf('.') + 1);
    String before = client.status().versionOf(type);
    long appliedBefore = applyCount(meters, shortType);
    double decodeBefore = totalNanos(meters, "bowline.xds.decode");
    double applyBefore = totalNanos(meters, "bowline.xds.apply");
    long start = System.nanoTime();
    if (route) {
      writeRoute(dir, i);
    } else {
      writeChanging(dir, i);
    }
    while (true) {
      // 0.1 ms polls of a Micrometer counter: cheap, and it does not queue work on the client's executor.
      LockSupport.parkNanos(100_000);
      if (applyCount(meters, shortType) > appliedBefore && !client.status().versionOf(type).equals(before)) {
        break;
      }
      if (System.nanoTime() - start > TimeUnit.SECONDS.toNanos(60)) {
        throw new IllegalStateException("no new " + type + " within 60 s at iteration " + i);
      }
    }
    long end = System.nanoTime();
    ReloadTimings t = controlPlane.lastTimings();
    double decode = (totalNanos(meters, "bowline.xds.decode") - decodeBefore) / 1e6;
    double apply = (totalNanos(meters, "bowline.xds.apply") - applyBefore) / 1e6;
    double clientSide = (end - t.servedNanos()) / 1e6;
    double[] phases = {
        ms(start, t.changeSeenNanos()), ms(t.changeSeenNanos(), t.startNanos()), ms(t.startNanos(), t.loadedNanos()),
        ms(t.loadedNanos(), t.translatedNanos()), ms(t.translatedNanos(), t.servedNanos()),
        Math.max(0, clientSide - decode - apply), decode, apply};
    return new Sample(ms(start, end), phases);
  }

  private static double ms(long from, long to) {
    return (to - from) / 1e6;
  }

  private static long applyCount(SimpleMeterRegistry meters, String shortType) {
    Timer timer = meters.find("bowline.xds.apply").tag("type", shortType).timer();
    return timer == null ? 0 : timer.count();
  }

  private static double totalNanos(SimpleMeterRegistry meters, String name) {
    return meters.find(name).timers().stream().mapToDouble(t -> t.totalTime(TimeUnit.NANOSECONDS)).sum();
  }

  private static double loadAverage() {
    return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
  }

  private static void report(String what, List<Sample> samples) {
    List<Double> sorted = new ArrayList<>(samples.stream().map(Sample::totalMs).toList());
    Collections.sort(sorted);
    System.out.printf(Locale.ROOT, "%-40s p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms (n=%d)%n", what,
        percentile(sorted, 50), percentile(sorted, 90), percentile(sorted, 99), sorted.get(sorted.size() - 1),
        sorted.size());
    StringBuilder breakdown = new StringBuilder("    mean ms:");
    for (int p = 0; p < PHASES.length; p++) {
      int phase = p;
      double mean = samples.stream().mapToDouble(s -> s.phasesMs()[phase]).average().orElse(0);
      breakdown.append(String.format(Locale.ROOT, " %s %.1f", PHASES[p], mean));
    }
    System.out.println(breakdown);
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
