package io.bowline.benchmarks;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import okhttp3.OkHttpClient;
import okhttp3.Request;

/**
 * What each part of "all telemetry on" adds to an OkHttp mesh call at p50, in one interleaved run
 * ({@link P1Interleaved#run}): the default mesh client; the same with Istio's metrics into a
 * {@code PrometheusMeterRegistry}; with an OTel SDK sampling 1 %; calling a host whose listener writes a file
 * access log (Istio's default format); and all three ({@link TelemetryOnMesh}). The table's paired column is
 * against the direct client; the lines after it pair each client with the default mesh client, and give each
 * client's caller-thread CPU time and allocation per call (less noisy than latency on a loaded machine). A second
 * direct client ("OkHttp direct A/A") reads the run's noise floor. A third direct client sends the three B3 headers
 * (x-b3-traceid, x-b3-spanid, x-b3-sampled: 0) that the mesh sends for every call the SDK does not sample, as
 * Envoy's Zipkin tracer does: the last line pairs "mesh+all" with it, like for like (P1's own rows are against the
 * plain direct client). A second mesh client ("mesh A/A"), a {@code MeshClient} of its own with nothing turned on, as
 * each "mesh+" client has one, reads the floor of the pairs with the mesh client. {@code -Dp1.backend=netty} runs every client against a Netty backend instead of the JDK
 * {@code HttpServer} ({@link EndToEndFixture#backend()}): what the headers cost on a production-grade server
 * ({@link P1BackendHeaderCost}). {@code -Dp1.clients=mesh+sdk 1 %,mesh+all} keeps only the named clients besides
 * "OkHttp direct" and "mesh". Run:
 * {@code java [-Dp1.backend=netty] -cp benchmarks/target/benchmarks.jar io.bowline.benchmarks.P1TelemetryBreakdown [rounds]}.
 */
public final class P1TelemetryBreakdown {
  /** The direct client with the three B3 headers of an unsampled mesh call: "all telemetry on" like for like. */
  private static final String DIRECT_B3 = "OkHttp direct+3 B3 headers";

  private P1TelemetryBreakdown() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 60;
    double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    try (EndToEndFixture fixture = new EndToEndFixture();
        TelemetryOnMesh prometheus = new TelemetryOnMesh(fixture, true, false);
        TelemetryOnMesh sdk = new TelemetryOnMesh(fixture, false, true);
        TelemetryOnMesh all = new TelemetryOnMesh(fixture, true, true);
        TelemetryOnMesh plain = new TelemetryOnMesh(fixture, false, false)) {
      Request direct = new Request.Builder().url("http://127.0.0.1:" + fixture.httpPort
          + "/items/1").build();
      Request meshed = new Request.Builder().url("http://" + EndToEndFixture.HTTP_HOST + "/items/1").build();
      Request logged = new Request.Builder().url("http://" + EndToEndFixture.HTTP_TELEMETRY_HOST + "/items/1")
          .build();
      Map<String, Callable<Object>> calls = new LinkedHashMap<>();
      calls.put("OkHttp direct", P1Clients.get(new OkHttpClient(), direct));
      calls.put("OkHttp direct A/A", P1Clients.get(new OkHttpClient(), direct)); // the run's noise floor
      // like for like: a direct client sending the trace headers the mesh's tracing sends
      calls.put(DIRECT_B3, P1Clients.get(new OkHttpClient(), P1TelemetryWakeups.withUnsampledB3(direct)));
      calls.put("mesh", P1Clients.get(okHttp(fixture.mesh), meshed));
      // a second mesh client of its own (its own MeshClient, as each mesh+ client has): the mesh rows' noise floor
      calls.put("mesh A/A", P1Clients.get(okHttp(plain.mesh), meshed));
      calls.put("mesh+prometheus", P1Clients.get(okHttp(prometheus.mesh), meshed));
      calls.put("mesh+sdk 1 %", P1Clients.get(okHttp(sdk.mesh), meshed));
      calls.put("mesh+file access log", P1Clients.get(okHttp(fixture.mesh), logged));
      calls.put("mesh+all", P1Clients.get(okHttp(all.mesh), logged));
      String only = System.getProperty("p1.clients", "");
      if (!only.isEmpty()) { // the direct client and the mesh client stay: the table and the pairs are against them
        java.util.Set<String> keep = new java.util.HashSet<>(java.util.List.of(only.split(",")));
        calls.keySet().removeIf(n -> !n.equals("OkHttp direct") && !n.equals("mesh") && !keep.contains(n));
      }
      Map<String, long[]> cost = new LinkedHashMap<>();
      calls.replaceAll((name, call) -> measured(call, cost.computeIfAbsent(name, n -> new long[3])));
      Map<String, double[]> medians = P1Interleaved.run("P1 telemetry breakdown (OkHttp, backend "
          + EndToEndFixture.backend() + ")", calls, rounds, loadBefore,
          () -> cost.values().forEach(c -> Arrays.fill(c, 0)));
      System.out.println("caller thread per measured call (CPU ns, bytes allocated):");
      cost.forEach((name, c) -> System.out.printf("  %-24s %8d ns %8d B%n", name, c[1] / c[0], c[2] / c[0]));
      for (String name : calls.keySet()) {
        if (name.startsWith("mesh+") || name.equals("mesh A/A")) {
          System.out.printf("%-28s %60s%n", name + " vs mesh", P1Interleaved.paired(medians.get(name),
              medians.get("mesh")));
        }
      }
      if (medians.containsKey("mesh+all") && medians.containsKey(DIRECT_B3)) {
        System.out.printf("%-28s %60s%n", "mesh+all vs " + DIRECT_B3, P1Interleaved.paired(medians.get("mesh+all"),
            medians.get(DIRECT_B3)));
      }
    }
    System.exit(0); // the JDK HTTP server's executor threads would keep the JVM alive
  }

  /**
   * {@code call}, adding its count, caller-thread CPU ns and bytes allocated to {@code cost} (zeroed when the warm-up
   * ends, so that warm-up and measurement run the same code).
   */
  private static Callable<Object> measured(Callable<Object> call, long[] cost) {
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    return () -> {
      long cpu = threads.getCurrentThreadCpuTime();
      long bytes = threads.getCurrentThreadAllocatedBytes();
      Object r = call.call();
      cost[2] += threads.getCurrentThreadAllocatedBytes() - bytes;
      cost[1] += threads.getCurrentThreadCpuTime() - cpu;
      cost[0]++;
      return r;
    };
  }

  private static OkHttpClient okHttp(io.bowline.api.MeshClient mesh) {
    return io.bowline.runtime.adapter.okhttp.BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
  }
}
