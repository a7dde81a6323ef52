package io.bowline.benchmarks;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * P1 latency for a shared machine: the same clients as {@link EndToEndLatencyBenchmark} in one
 * JVM, measured in interleaved rounds (each round makes {@value #CALLS_PER_ROUND} calls with every
 * client, in {@link P1Rotation}'s order: by default the clients' batches in a fresh random order each round), so that
 * load changes during the run hit direct, mesh and grpc-xds alike; JMH's one-fork-per-benchmark order cannot give
 * that. Each adapter has a second direct client ("direct A/A"): its row is the run's noise floor, 0 within its
 * interval when the rotation is fair. The warm-up lasts until the JIT is done ({@link P1Rotation#warmUp}): with a
 * fixed third of the rounds the mesh's own methods, called by its clients only, were still compiling when the
 * measurement began, and the same build's mesh rows moved by 10–20 µs between JVMs while the A/A rows stayed within
 * ±2 µs (docs/benchmarks.md, ninth round, p1fix9). The intervals are for one JVM: compare builds over several runs,
 * alternating. Prints p50/p99 per client in µs and what the
 * mesh and grpc-xds add over the direct call: pooled, and as the median over rounds of the
 * difference between the round's p50 and the direct call's p50 in the same round (paired, so
 * drifts of the machine between rounds cancel), with a 95 % interval for that median (about 2–4
 * minutes with the default 150 rounds on a 2-CPU machine, warm-up included); the same for p99, over blocks of
 * {@value #ROUNDS_PER_BLOCK} rounds. An optional second argument keeps only
 * the clients whose name starts with it ({@code OkHttp} or {@code gRPC}), for longer runs of one
 * adapter in the same time. The clients are {@link P1Clients}'; the last line compares the OkHttp
 * mesh with the direct client whose timeouts are off (the mesh's own work without its saving on
 * timeouts), then each "mesh+telemetry" client with its adapter's "mesh" client (what turning all telemetry on
 * adds), and what that telemetry produced. Clients in one JVM share JIT type profiles, so one client's path can slow another's by
 * a few µs; one JVM per client is no cure on a 2-CPU virtual machine, where a JVM with one client
 * idles its CPUs between calls and each thread hand-off pays a wake-up (grpc-xds alone measured
 * 530–2200 µs at p50, against about 210 µs here). Run:
 * {@code java -cp benchmarks/target/benchmarks.jar io.bowline.benchmarks.P1Interleaved [rounds] [OkHttp|gRPC]}.
 */
public final class P1Interleaved {
  private static final int CALLS_PER_ROUND = 200;
  private static final int ROUNDS_PER_BLOCK = 5;

  private P1Interleaved() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 150;
    String only = args.length > 1 ? args[1] : "";
    double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    try (EndToEndFixture fixture = new EndToEndFixture(); P1Clients p1 = new P1Clients(fixture, only)) {
      Map<String, double[]> medians = run("P1 interleaved", p1.calls(), rounds, loadBefore);
      if (medians.containsKey(P1Clients.OKHTTP_UNTIMED) && medians.containsKey(P1Clients.OKHTTP_MESH)) {
        System.out.printf("%-28s %60s%n", "OkHttp mesh vs no timeouts", paired(medians.get(P1Clients.OKHTTP_MESH), medians.get(P1Clients.OKHTTP_UNTIMED)));
      }
      for (String[] pair : new String[][] {{"OkHttp telemetry vs mesh", P1Clients.OKHTTP_TELEMETRY, P1Clients.OKHTTP_MESH},
          {"gRPC telemetry vs mesh", P1Clients.GRPC_TELEMETRY, P1Clients.GRPC_MESH}}) {
        if (medians.containsKey(pair[1]) && medians.containsKey(pair[2])) {
          System.out.printf("%-28s %60s%n", pair[0], paired(medians.get(pair[1]), medians.get(pair[2])));
        }
      }
      System.out.println(p1.telemetrySummary());
    }
    System.exit(0); // the JDK HTTP server's executor threads would keep the JVM alive
  }

  /**
   * Warms {@code clients} up ({@link #warmUpRounds} rounds, then until the JIT is done: {@link P1Rotation#warmUp}, at
   * most {@code -Dp1.warmup.extra} more rounds, default 3 × {@code rounds}), measures them in {@code rounds}
   * interleaved rounds and prints the table, after a line with the warm-up's rounds and the JIT's compilation time
   * while measuring (a few ms when it was done): p50/p99 per client in µs, and for each client what it adds over the last client before it whose
   * name ends with {@code direct} (pooled, and paired per round with a 95 % interval). The clients are called in
   * {@link P1Rotation#fromSystemProperties()}'s order.
   *
   * @param title the table's heading
   * @param clients the clients by name, in report order, each adapter's direct client first
   * @param rounds measured rounds of {@value #CALLS_PER_ROUND} calls per client
   * @param loadBefore the system load average before the fixture started
   * @return the p50 of each round, µs, by client
   */
  static Map<String, double[]> run(String title, Map<String, Callable<Object>> clients, int rounds, double loadBefore)
      throws Exception {
    return run(title, clients, rounds, loadBefore, () -> { });
  }

  /** {@link #run(String, Map, int, double)}, running {@code measuring} between the warm-up and the measured rounds. */
  static Map<String, double[]> run(String title, Map<String, Callable<Object>> clients, int rounds, double loadBefore,
      Runnable measuring) throws Exception {
    P1Rotation rotation = P1Rotation.fromSystemProperties();
    List<Callable<Object>> ordered = List.copyOf(clients.values());
    int minWarmUp = warmUpRounds(rounds);
    long[] warmUp = rotation.warmUp(ordered, minWarmUp, minWarmUp + Integer.getInteger("p1.warmup.extra", 3 * rounds),
        CALLS_PER_ROUND);
    measuring.run();
    long compiledBefore = ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
    P1ThreadFacts facts = P1ThreadFacts.ifEnabled(ordered.size());
    long[][] times = rotation.run(ordered, rounds, CALLS_PER_ROUND, true, facts);
    long compiledDuring = ManagementFactory.getCompilationMXBean().getTotalCompilationTime() - compiledBefore;
    Map<String, long[]> samples = new LinkedHashMap<>();
    int index = 0;
    for (String name : clients.keySet()) {
      samples.put(name, times[index++]);
    }
    System.out.printf("%n%s, %d rounds x %d calls per client in %s (%d CPUs, load average %.2f before, %.2f after)%n",
        title, rounds, CALLS_PER_ROUND, rotation.describe(), Runtime.getRuntime().availableProcessors(), loadBefore,
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    System.out.printf("warm-up %d rounds (JIT %d ms in the last %d); JIT while measuring: %d ms%n", warmUp[0], warmUp[1],
        P1Rotation.QUIET_ROUNDS, compiledDuring);
    System.out.printf("%-28s %10s %10s %12s %12s %24s %26s%n", "latency (µs)", "p50", "p99", "added p50", "added p99",
        "paired added p50 [95 %]", "paired added p99 [95 %]");
    double[] base = null;
    double[] baseRounds = null;
    double[] baseBlocks = null;
    Map<String, double[]> medians = new LinkedHashMap<>();
    Map<String, double[]> blocks = new LinkedHashMap<>();
    for (Map.Entry<String, long[]> e : samples.entrySet()) {
      long[] s = e.getValue();
      double[] roundP50 = roundMedians(s, rounds);
      double[] blockP99 = blockP99(s, rounds);
      medians.put(e.getKey(), roundP50);
      blocks.put(e.getKey(), blockP99);
      Arrays.sort(s);
      double p50 = s[s.length / 2] / 1000.0;
      double p99 = s[(int) (s.length * 0.99)] / 1000.0;
      if (e.getKey().endsWith("direct")) {
        base = new double[] {p50, p99};
        baseRounds = roundP50;
        baseBlocks = blockP99;
        System.out.printf("%-28s %10.1f %10.1f%n", e.getKey(), p50, p99);
      } else {
        System.out.printf("%-28s %10.1f %10.1f %+12.1f %+12.1f %24s %26s%n", e.getKey(), p50, p99,
            p50 - base[0], p99 - base[1], paired(roundP50, baseRounds), paired(blockP99, baseBlocks));
      }
    }
    if (facts != null) {
      facts.print(List.copyOf(clients.keySet()));
    }
    dump(medians, blocks);
    return medians;
  }

  /**
   * With {@code -Dp1.dump=<file>}, appends each client's per-round p50s and per-block p99s (µs) to the file, a
   * tab-separated line each ({@code <run id> <client> p50|p99 <values…>}, the run id the JVM's start time and pid),
   * so that runs in several JVMs can be pooled ({@code benchmarks/p1/pool.py}).
   */
  private static void dump(Map<String, double[]> p50s, Map<String, double[]> p99s) throws java.io.IOException {
    String file = System.getProperty("p1.dump");
    if (file == null) {
      return;
    }
    String run = ManagementFactory.getRuntimeMXBean().getStartTime() + "-" + ProcessHandle.current().pid();
    StringBuilder b = new StringBuilder();
    for (String client : p50s.keySet()) {
      for (var kind : List.of(Map.entry("p50", p50s), Map.entry("p99", p99s))) {
        b.append(run).append('\t').append(client).append('\t').append(kind.getKey());
        for (double v : kind.getValue().get(client)) {
          b.append('\t').append(v);
        }
        b.append('\n');
      }
    }
    java.nio.file.Files.writeString(java.nio.file.Path.of(file), b, java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.APPEND);
  }

  /**
   * The least warm-up rounds before {@code rounds} measured ones: {@code -Dp1.warmup}, default a third of them but at
   * least 100 (20,000 calls per client, past C2's thresholds for a method called once per call).
   */
  static int warmUpRounds(int rounds) {
    return Integer.getInteger("p1.warmup", Math.max(100, rounds / 3));
  }

  /** Calls each round makes per client. */
  static int callsPerRound() {
    return CALLS_PER_ROUND;
  }

  /**
   * The median over rounds of {@code rounds[r] - base[r]}, with a 95 % interval (order statistics
   * of the sorted differences), as {@code "+m [+lo, +hi]"}.
   */
  static String paired(double[] rounds, double[] base) {
    double[] diff = new double[rounds.length];
    for (int r = 0; r < rounds.length; r++) {
      diff[r] = rounds[r] - base[r];
    }
    Arrays.sort(diff);
    int n = diff.length;
    int half = (int) Math.ceil(1.96 * Math.sqrt(n) / 2);
    return String.format("%+9.1f [%+.1f, %+.1f]", diff[n / 2], diff[Math.max(0, n / 2 - half)], diff[Math.min(n - 1, n / 2 + half)]);
  }

  /**
   * The p99 of each block of {@value #ROUNDS_PER_BLOCK} consecutive rounds' calls, µs (a round is
   * too short for a p99 of its own).
   */
  private static double[] blockP99(long[] samples, int rounds) {
    int perBlock = ROUNDS_PER_BLOCK * CALLS_PER_ROUND;
    double[] out = new double[Math.max(1, rounds / ROUNDS_PER_BLOCK)];
    for (int b = 0; b < out.length; b++) {
      long[] block = Arrays.copyOfRange(samples, b * perBlock, Math.min(samples.length, (b + 1) * perBlock));
      Arrays.sort(block);
      out[b] = block[(int) (block.length * 0.99)] / 1000.0;
    }
    return out;
  }

  /** The p50 of each round's calls, µs. */
  private static double[] roundMedians(long[] samples, int rounds) {
    double[] out = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      long[] round = Arrays.copyOfRange(samples, r * CALLS_PER_ROUND, (r + 1) * CALLS_PER_ROUND);
      Arrays.sort(round);
      out[r] = round[CALLS_PER_ROUND / 2] / 1000.0;
    }
    return out;
  }
}
