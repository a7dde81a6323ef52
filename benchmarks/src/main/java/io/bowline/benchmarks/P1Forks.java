package io.bowline.benchmarks;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * P1 latency with each client in a JVM of its own, as JMH forks: clients measured in one JVM share
 * JIT type profiles, inlining decisions and caches, so one client's path can slow another's (on
 * this 2-CPU machine the OkHttp mesh measured alone matches the direct client without timeouts, yet
 * trails it by several µs when the two alternate in one JVM). Each cycle starts one JVM per client
 * of {@link P1Clients} (those whose name starts with the prefix), in an order rotated from cycle to
 * cycle; each JVM warms up, then makes calls for the given seconds and reports its p50 and p99. The
 * report gives, per client, the median over cycles of its p50 and p99, and against the adapter's
 * direct client the median over cycles of the per-cycle difference with its range (cycles pair
 * JVMs that ran minutes apart at most, so slow drifts of the machine cancel). Run:
 * {@code java -cp benchmarks/target/benchmarks.jar io.bowline.benchmarks.P1Forks [cycles] [seconds] [OkHttp|gRPC]}
 * (defaults 6 cycles, 8 s, every client: about 20 s per JVM).
 */
public final class P1Forks {
  private static final String CHILD = "--child";
  private static final long WARM_UP_NANOS = 8_000_000_000L;

  private P1Forks() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals(CHILD)) {
      child(args[1], Integer.parseInt(args[2]));
      return;
    }
    int cycles = args.length > 0 ? Integer.parseInt(args[0]) : 6;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 8;
    String prefix = args.length > 2 ? args[2] : "";
    List<String> names = P1Clients.ALL.stream().filter(n -> n.startsWith(prefix)).toList();
    double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    Map<String, double[][]> results = new LinkedHashMap<>(); // name -> cycle -> {p50, p99}
    names.forEach(n -> results.put(n, new double[cycles][]));
    for (int c = 0; c < cycles; c++) {
      for (int i = 0; i < names.size(); i++) {
        String name = names.get((i + c) % names.size());
        results.get(name)[c] = fork(name, seconds);
        System.out.printf("cycle %d  %-28s p50 %7.1f  p99 %7.1f µs%n", c + 1, name, results.get(name)[c][0], results.get(name)[c][1]);
      }
    }
    System.out.printf("%nP1 forks: %d cycles, one JVM per client and cycle, %d s of calls each (%d CPUs, load average %.2f before, %.2f after)%n",
        cycles, seconds, Runtime.getRuntime().availableProcessors(), loadBefore,
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    System.out.printf("%-28s %10s %10s %30s %30s%n", "latency (µs)", "p50", "p99", "added p50 [range]", "added p99 [range]");
    double[][] base = null;
    for (Map.Entry<String, double[][]> e : results.entrySet()) {
      double[][] r = e.getValue();
      if (e.getKey().endsWith("direct")) {
        base = r;
        System.out.printf("%-28s %10.1f %10.1f%n", e.getKey(), median(r, 0), median(r, 1));
      } else {
        System.out.printf("%-28s %10.1f %10.1f %30s %30s%n", e.getKey(), median(r, 0), median(r, 1),
            paired(r, base, 0), paired(r, base, 1));
      }
    }
    if (results.containsKey(P1Clients.OKHTTP_MESH) && results.containsKey(P1Clients.OKHTTP_UNTIMED)) {
      System.out.printf("%-28s %52s%n", "OkHttp mesh vs no timeouts",
          paired(results.get(P1Clients.OKHTTP_MESH), results.get(P1Clients.OKHTTP_UNTIMED), 0));
    }
  }

  /** Runs one client in a new JVM on this classpath; returns its {p50, p99} in µs. */
  private static double[] fork(String name, int seconds) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), P1Forks.class.getName(), CHILD,
        name, Integer.toString(seconds)).redirectErrorStream(true).start();
    double[] out = null;
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        if (line.startsWith("P1FORK ")) {
          String[] f = line.split(" ");
          out = new double[] {Double.parseDouble(f[1]), Double.parseDouble(f[2])};
        }
      }
    }
    if (p.waitFor() != 0 || out == null) {
      throw new IllegalStateException("P1 fork for " + name + " failed (exit " + p.exitValue() + ")");
    }
    return out;
  }

  private static void child(String name, int seconds) throws Exception {
    try (EndToEndFixture fixture = new EndToEndFixture(); P1Clients clients = new P1Clients(fixture, name)) {
      Callable<Object> call = clients.calls().get(name);
      for (long end = System.nanoTime() + WARM_UP_NANOS; System.nanoTime() < end; ) {
        call.call();
      }
      List<long[]> chunks = new ArrayList<>();
      long[] chunk = new long[100_000];
      int n = 0;
      for (long end = System.nanoTime() + seconds * 1_000_000_000L; System.nanoTime() < end; ) {
        long start = System.nanoTime();
        call.call();
        chunk[n++] = System.nanoTime() - start;
        if (n == chunk.length) {
          chunks.add(chunk);
          chunk = new long[chunk.length];
          n = 0;
        }
      }
      chunks.add(Arrays.copyOf(chunk, n));
      long[] all = chunks.stream().flatMapToLong(Arrays::stream).sorted().toArray();
      System.out.printf("P1FORK %.1f %.1f%n", all[all.length / 2] / 1000.0, all[(int) (all.length * 0.99)] / 1000.0);
    }
    System.exit(0); // the JDK HTTP server's executor threads would keep the JVM alive
  }

  private static double median(double[][] r, int k) {
    double[] v = Arrays.stream(r).mapToDouble(x -> x[k]).sorted().toArray();
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  /** The median over cycles of {@code r[c][k] - base[c][k]}, with the smallest and largest difference. */
  private static String paired(double[][] r, double[][] base, int k) {
    double[][] d = new double[r.length][];
    for (int c = 0; c < r.length; c++) {
      d[c] = new double[] {r[c][k] - base[c][k]};
    }
    double[] v = Arrays.stream(d).mapToDouble(x -> x[0]).sorted().toArray();
    return String.format("%+.1f [%+.1f, %+.1f]", median(d, 0), v[0], v[v.length - 1]);
  }
}
