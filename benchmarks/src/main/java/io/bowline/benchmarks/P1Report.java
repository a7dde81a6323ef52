package io.bowline.benchmarks;

import java.lang.management.ManagementFactory;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Benchmark P1 in one command: runs {@link EndToEndLatencyBenchmark} (OkHttp 1 KB GET and gRPC
 * unary, direct vs Bowline mesh vs grpc-java's {@code xds:///} channel; SampleTime) and
 * {@link GrpcThroughputBenchmark} (16 callers) with short settings (about 2 minutes on a quiet 2-CPU machine), then prints
 * p50/p99 in µs, the latency each xDS client adds over the direct call, and the throughput ratios
 * to the plain channel, with the load average. Run:
 * {@code java -cp benchmarks/target/benchmarks.jar io.bowline.benchmarks.P1Report}. Extra arguments
 * are JMH command-line options and override the defaults (e.g. {@code -i 5 -r 5s} on a quiet machine;
 * a benchmark regex runs only what it names).
 */
public final class P1Report {
  private P1Report() {}

  public static void main(String[] args) throws Exception {
    double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    CommandLineOptions cmd = new CommandLineOptions(args);
    OptionsBuilder builder = new OptionsBuilder();
    builder.parent(cmd)
        .warmupIterations(cmd.getWarmupIterations().orElse(2))
        .warmupTime(cmd.getWarmupTime().orElse(TimeValue.seconds(2)))
        .measurementIterations(cmd.getMeasurementIterations().orElse(3))
        .measurementTime(cmd.getMeasurementTime().orElse(TimeValue.seconds(2)))
        .forks(cmd.getForkCount().orElse(1))
        .shouldFailOnError(true);
    if (cmd.getIncludes().isEmpty()) {
      builder.include(EndToEndLatencyBenchmark.class.getName()).include(GrpcThroughputBenchmark.class.getName());
    }
    Options options = builder.build();
    Collection<RunResult> results = new Runner(options).run();
    double loadAfter = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();

    Map<String, RunResult> byName = new LinkedHashMap<>();
    for (RunResult r : results) {
      String benchmark = r.getParams().getBenchmark();
      byName.put(benchmark.substring(benchmark.lastIndexOf('.', benchmark.lastIndexOf('.') - 1) + 1), r);
    }
    System.out.printf("%nP1 on loopback (%d CPUs, load average %.2f before, %.2f after)%n",
        Runtime.getRuntime().availableProcessors(), loadBefore, loadAfter);
    System.out.printf("%-34s %10s %10s %12s %12s%n", "latency (µs)", "p50", "p99", "added p50", "added p99");
    latencyRows(byName, "OkHttp 1 KB GET", "EndToEndLatencyBenchmark.okHttpDirect",
        Map.of("mesh", "EndToEndLatencyBenchmark.okHttpMesh"));
    Map<String, String> grpcPeers = new LinkedHashMap<>();
    grpcPeers.put("mesh", "EndToEndLatencyBenchmark.grpcMesh");
    grpcPeers.put("grpc-xds", "EndToEndLatencyBenchmark.grpcXds");
    latencyRows(byName, "gRPC unary", "EndToEndLatencyBenchmark.grpcDirect", grpcPeers);
    System.out.printf("%n%-34s %14s %10s%n", "gRPC, 16 callers (ops/s)", "score ± error", "vs plain");
    RunResult plain = byName.get("GrpcThroughputBenchmark.plainChannel");
    for (String[] row : new String[][] {{"plain channel", "plainChannel"}, {"Bowline mesh channel", "meshChannel"},
        {"grpc-xds xds:/// channel", "grpcXdsChannel"}}) {
      RunResult r = byName.get("GrpcThroughputBenchmark." + row[1]);
      if (r == null) {
        continue;
      }
      double score = r.getPrimaryResult().getScore();
      String ratio = plain == null ? "" : String.format("%.3f×", score / plain.getPrimaryResult().getScore());
      System.out.printf("%-34s %7.0f ± %-5.0f %10s%n", row[0], score, r.getPrimaryResult().getScoreError(), ratio);
    }
    System.out.println("Goals: mesh adds ≤ 3 µs at p50 and ≤ 10 µs at p99; mesh throughput ≥ 0.97× plain.");
  }

  private static void latencyRows(Map<String, RunResult> byName, String title, String direct, Map<String, String> peers) {
    RunResult base = byName.get(direct);
    double p50 = base == null ? Double.NaN : percentile(base, 50);
    double p99 = base == null ? Double.NaN : percentile(base, 99);
    if (base != null) {
      System.out.printf("%-34s %10.1f %10.1f%n", title + ", direct", p50, p99);
    }
    for (Map.Entry<String, String> peer : peers.entrySet()) {
      RunResult r = byName.get(peer.getValue());
      if (r != null) {
        System.out.printf("%-34s %10.1f %10.1f %+12.1f %+12.1f%n", title + ", " + peer.getKey(),
            percentile(r, 50), percentile(r, 99), percentile(r, 50) - p50, percentile(r, 99) - p99);
      }
    }
  }

  private static double percentile(RunResult r, double p) {
    return r.getPrimaryResult().getStatistics().getPercentile(p);
  }
}
