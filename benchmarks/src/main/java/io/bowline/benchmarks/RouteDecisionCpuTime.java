package io.bowline.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * P2 on a shared machine: the same decisions as {@link RouteDecisionBenchmark} (same table, same
 * request streams), timed by the calling thread's CPU time rather than wall time, so that time
 * spent descheduled under load is not counted. Warms up for {@code warmupSeconds} per case (JIT
 * compilers are slow when the machine is busy), then reports the best of five rounds in CPU ns
 * per call, mesh decision and HashMap baseline side by side. Allocation is pinned separately
 * (JMH {@code -prof gc}, {@code RouteDecisionAllocationTest}). Run:
 * {@code java -cp benchmarks/target/benchmarks.jar io.bowline.benchmarks.RouteDecisionCpuTime [warmupSeconds]}.
 */
public final class RouteDecisionCpuTime {
  private static final int CALLS_PER_ROUND = 2_000_000;
  private static volatile int sink;

  private RouteDecisionCpuTime() {}

  public static void main(String[] args) {
    int warmupSeconds = args.length > 0 ? Integer.parseInt(args[0]) : 8;
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    System.out.printf("P2 route decision, CPU time per call (%d CPUs, load average %.2f)%n",
        Runtime.getRuntime().availableProcessors(), ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    System.out.printf("%-10s %12s %12s %8s%n", "kind", "mesh ns", "HashMap ns", "ratio");
    for (String kind : new String[] {"exact", "prefix", "regex", "header", "weighted", "mixed"}) {
      RouteDecisionBenchmark b = new RouteDecisionBenchmark();
      b.kind = kind;
      b.setUp();
      long until = System.nanoTime() + warmupSeconds * 1_000_000_000L;
      while (System.nanoTime() < until) {
        round(b, true, threads);
        round(b, false, threads);
      }
      double mesh = Double.MAX_VALUE;
      double direct = Double.MAX_VALUE;
      for (int i = 0; i < 5; i++) {
        mesh = Math.min(mesh, round(b, true, threads));
        direct = Math.min(direct, round(b, false, threads));
      }
      System.out.printf("%-10s %12.1f %12.1f %7.1f×%n", kind, mesh, direct, mesh / direct);
    }
  }

  /** CPU ns per call over one round. */
  private static double round(RouteDecisionBenchmark b, boolean mesh, ThreadMXBean threads) {
    int acc = 0;
    long start = threads.getCurrentThreadCpuTime();
    if (mesh) {
      for (int i = 0; i < CALLS_PER_ROUND; i++) {
        acc += b.routeDecision() != null ? 1 : 0;
      }
    } else {
      for (int i = 0; i < CALLS_PER_ROUND; i++) {
        acc += b.directCall().length();
      }
    }
    long cpu = threads.getCurrentThreadCpuTime() - start;
    sink += acc;
    return cpu / (double) CALLS_PER_ROUND;
  }
}
