package io.bowline.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;

/**
 * {@link AccessLogFlushBenchmark}'s flush measured in CPU time of the printing thread (its CPU clock, not the wall
 * clock, so that a loaded machine changes the figure far less), burst by burst: bursts of {@code lines} lines (the
 * benchmark's 256 captured lines, taken in turn), each printed, or printed and written to the file, after a walk over
 * 4 MiB evicted this core's caches (as the flush thread finds them after sleeping) or warm. Printed: CPU ns per line
 * (the mean over all bursts and the best of 15 rounds' means) and each burst's CPU time, median, 99th percentile and
 * most, in µs: how long a burst holds a core.
 *
 * <p>Run: {@code java -cp benchmarks.jar io.bowline.benchmarks.AccessLogFlushCpu [lines [bursts]]} (default 256 lines,
 * 500 bursts per round).
 */
public final class AccessLogFlushCpu {
  private static final int ROUNDS = 15;

  private AccessLogFlushCpu() {}

  /**
   * @param args lines per burst and bursts per round
   * @throws Exception if the file cannot be written
   */
  public static void main(String[] args) throws Exception {
    int lines = args.length > 0 ? Integer.parseInt(args[0]) : AccessLogFlushBenchmark.LINES;
    int bursts = args.length > 1 ? Integer.parseInt(args[1]) : 500;
    AccessLogFlushBenchmark b = new AccessLogFlushBenchmark();
    b.startStepMillis = 3;
    b.setUp();
    AccessLogFlushBenchmark.Evicted evicted = new AccessLogFlushBenchmark.Evicted();
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    System.out.printf("access-log flush, CPU per line and per burst of %d lines (load %.1f)%n", lines,
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    try {
      for (String c : new String[] {"print, warm", "print, cold", "print+write, warm", "print+write, cold"}) {
        boolean cold = c.endsWith("cold");
        boolean write = c.startsWith("print+write");
        long[] burst = new long[ROUNDS * bursts];
        double best = Double.MAX_VALUE;
        for (int r = -3; r < ROUNDS; r++) { // three rounds of warm-up
          long sum = 0;
          for (int i = 0; i < bursts; i++) {
            if (cold) {
              evicted.evict();
            }
            int from = (int) ((long) i * lines % AccessLogFlushBenchmark.LINES);
            long t0 = mx.getCurrentThreadCpuTime();
            b.print(from, lines);
            if (write) {
              b.write();
            }
            long t = mx.getCurrentThreadCpuTime() - t0;
            sum += t;
            if (r >= 0) {
              burst[r * bursts + i] = t;
            }
          }
          if (r >= 0) {
            best = Math.min(best, sum / (double) bursts / lines);
          }
        }
        Arrays.sort(burst);
        double mean = Arrays.stream(burst).average().orElse(0) / lines;
        System.out.printf("%-18s CPU ns/line: mean %.0f, best round %.0f; burst µs: p50 %.1f, p99 %.1f, max %.1f%n",
            c, mean, best, burst[burst.length / 2] / 1e3, burst[(int) (burst.length * 0.99)] / 1e3,
            burst[burst.length - 1] / 1e3);
      }
    } finally {
      b.tearDown();
    }
    System.exit(0);
  }
}
