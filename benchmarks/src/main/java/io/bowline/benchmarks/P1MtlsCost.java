package io.bowline.benchmarks;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * What one mTLS call costs the process, mesh against a direct client with the same TLS ({@link MtlsFixture},
 * {@link P1MtlsInterleaved#clients}): CPU time (every thread of the JVM, servers included, so a difference between
 * two clients is what the client side adds) and bytes allocated by all live threads, per call, each client in turn
 * in interleaved rounds of {@value #CALLS} calls; the median over the rounds after a third of them as warm-up. Unlike
 * latency, these two hold up on a loaded machine (bytes exactly; CPU time within a few per cent). Run:
 * {@code java -cp benchmarks/target/benchmarks.jar io.bowline.benchmarks.P1MtlsCost [rounds] [OkHttp|gRPC]}.
 */
public final class P1MtlsCost {
  private static final int CALLS = 2_000;

  private P1MtlsCost() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
    String only = args.length > 1 ? args[1] : "";
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    double loadBefore = os.getSystemLoadAverage();
    try (MtlsFixture fixture = new MtlsFixture()) {
      Map<String, Callable<Object>> clients = P1MtlsInterleaved.clients(fixture, only);
      int warm = rounds / 3;
      Map<String, double[]> cpu = new LinkedHashMap<>();
      Map<String, double[]> bytes = new LinkedHashMap<>();
      clients.keySet().forEach(n -> {
        cpu.put(n, new double[rounds]);
        bytes.put(n, new double[rounds]);
      });
      for (int r = 0; r < warm + rounds; r++) {
        for (Map.Entry<String, Callable<Object>> c : clients.entrySet()) {
          long cpu0 = os.getProcessCpuTime();
          long bytes0 = allocated();
          for (int i = 0; i < CALLS; i++) {
            c.getValue().call();
          }
          long cpuNs = os.getProcessCpuTime() - cpu0;
          long allocated = allocated() - bytes0;
          if (r >= warm) {
            cpu.get(c.getKey())[r - warm] = cpuNs / 1000.0 / CALLS;
            bytes.get(c.getKey())[r - warm] = (double) allocated / CALLS;
          }
        }
      }
      System.out.printf("%nP1 mTLS cost per call, %d rounds x %d calls per client (2 CPUs, load average %.2f before, %.2f after)%n",
          rounds, CALLS, loadBefore, os.getSystemLoadAverage());
      System.out.printf("%-28s %16s %16s%n", "client", "CPU µs/call", "B/call");
      for (String n : clients.keySet()) {
        System.out.printf("%-28s %16.1f %16.0f%n", n, median(cpu.get(n)), median(bytes.get(n)));
      }
    }
    System.exit(0); // the JDK HTTP server's executor threads would keep the JVM alive
  }

  /** Bytes allocated so far by the JVM's live threads. */
  private static long allocated() {
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long total = 0;
    for (long b : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
      total += Math.max(0, b);
    }
    return total;
  }

  private static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }
}
