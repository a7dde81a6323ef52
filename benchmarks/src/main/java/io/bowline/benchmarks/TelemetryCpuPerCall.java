package io.bowline.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Method;

/**
 * {@link TelemetryBenchmark}'s cases measured in CPU time of the calling thread per call (the thread's CPU clock,
 * not the wall clock), so that a loaded machine, which stretches JMH's ns/op with waits for a core, changes the
 * figure far less: 15 rounds of 200,000 calls after 1,000,000 of warm-up per case, the best and the mean round.
 * CPU spent by other threads (the stats flush thread) is not counted; {@code telemetryPrometheusFlushed} puts the
 * flush on the calling thread.
 *
 * <p>Run: {@code java -cp benchmarks.jar io.bowline.benchmarks.TelemetryCpuPerCall [case...]}.
 */
public final class TelemetryCpuPerCall {
  private static final int CALLS = 200_000;
  private static final int ROUNDS = 15;

  private TelemetryCpuPerCall() {}

  /**
   * @param args the {@link TelemetryBenchmark} methods to measure; none: the pass-through chain and the telemetry
   *     cases
   * @throws Exception if a case fails
   */
  public static void main(String[] args) throws Exception {
    TelemetryBenchmark b = new TelemetryBenchmark();
    b.setUp();
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    String[] cases = args.length > 0 ? args : new String[] {"passThroughFilter", "telemetryWithRequestId",
        "telemetry", "telemetryPrometheus", "telemetryPrometheusFlushed", "telemetrySdkUnsampled"};
    try {
      for (String name : cases) {
        Method m = TelemetryBenchmark.class.getMethod(name);
        for (int i = 0; i < 5 * CALLS; i++) {
          m.invoke(b);
        }
        double best = Double.MAX_VALUE;
        double sum = 0;
        for (int r = 0; r < ROUNDS; r++) {
          long start = mx.getCurrentThreadCpuTime();
          for (int i = 0; i < CALLS; i++) {
            m.invoke(b);
          }
          double perCall = (mx.getCurrentThreadCpuTime() - start) / (double) CALLS;
          best = Math.min(best, perCall);
          sum += perCall;
        }
        System.out.printf("%-28s CPU ns/call: best %.0f, mean %.0f%n", name, best, sum / ROUNDS);
      }
    } finally {
      b.tearDown();
    }
  }
}
