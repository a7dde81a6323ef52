package io.bowline.benchmarks;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * Counts, per call and per thread group, what a P1 client's calls cost the process, in figures that do not depend on
 * the machine's load: CPU time and bytes allocated by each thread ({@code ThreadMXBean}), voluntary and
 * involuntary context switches ({@code /proc/self/task/N/status}) and read-like and write-like system calls
 * ({@code /proc/self/task/N/io}). Threads are grouped by name with digits
 * dropped ({@code bowline-grpc-3} counts as {@code bowline-grpc-}); the calling thread is {@code caller}. Each client
 * is warmed up first (its own calls, {@code -Dp1.count.warmup}, default 20,000), then counted over {@code n} calls;
 * clients run one after another in the listed order, each measured in {@code -Dp1.count.passes} passes (default 2,
 * alternating with the others). With {@code -Dp1.count.spinNanos=N} the calling thread spins N ns after each counted
 * call (does the event loop sleep more when the caller works longer between calls?). With {@code -Dp1.count.gate=true}
 * the run stops after the warm-ups ({@code P1GATE ready <pid>}) and after the counted passes ({@code P1GATE done}),
 * each time until a line is read from standard input, so that a tracer ({@code strace -f -c -p <pid>},
 * {@code perf stat -p <pid>}) can be attached to the counted calls alone. Kinds as {@link P1AaCheck}'s. Run:
 * {@code java -cp benchmarks/target/benchmarks.jar io.bowline.benchmarks.P1PerCallCounts 20000 grpc grpc-mesh}.
 */
public final class P1PerCallCounts {
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  private P1PerCallCounts() {}

  public static void main(String[] args) throws Exception {
    int n = Integer.parseInt(args[0]);
    List<String> kinds = Arrays.asList(args).subList(1, args.length);
    int warmup = Integer.getInteger("p1.count.warmup", 20_000);
    int passes = Integer.getInteger("p1.count.passes", 2);
    long spinNanos = Long.getLong("p1.count.spinNanos", 0);
    boolean plain = kinds.stream().anyMatch(k -> !k.startsWith("tls-"));
    boolean tls = kinds.stream().anyMatch(k -> k.startsWith("tls-"));
    try (EndToEndFixture fixture = plain ? new EndToEndFixture() : null;
        MtlsFixture mtls = tls ? new MtlsFixture() : null) {
      Callable<?>[] calls = new Callable<?>[kinds.size()];
      for (int i = 0; i < calls.length; i++) {
        calls[i] = P1AaCheck.client(kinds.get(i), fixture, mtls);
        for (int w = 0; w < warmup; w++) {
          calls[i].call();
        }
      }
      gate("ready " + ProcessHandle.current().pid());
      for (int pass = 1; pass <= passes; pass++) {
        for (int i = 0; i < calls.length; i++) {
          Map<String, long[]> before = snapshot();
          for (int c = 0; c < n; c++) {
            calls[i].call();
            spin(spinNanos);
          }
          Map<String, long[]> after = snapshot();
          System.out.printf("%n%s, pass %d, per call over %d calls: CPU ns, bytes allocated, voluntary and"
              + " involuntary context switches, read-like and write-like system calls%n", kinds.get(i), pass, n);
          after.forEach((group, a) -> {
            long[] b = before.getOrDefault(group, new long[6]);
            double cpu = (a[0] - b[0]) / (double) n;
            double bytes = (a[1] - b[1]) / (double) n;
            double vol = (a[2] - b[2]) / (double) n;
            double inv = (a[3] - b[3]) / (double) n;
            double reads = (a[4] - b[4]) / (double) n;
            double writes = (a[5] - b[5]) / (double) n;
            if (cpu > 10 || bytes > 1 || vol > 0.001 || inv > 0.001 || reads > 0.001 || writes > 0.001) {
              System.out.printf("  %-28s cpu %8.0f ns  alloc %8.0f B  vcsw %6.3f  ivcsw %6.3f  sysr %6.3f  sysw %6.3f%n",
                  group, cpu, bytes, vol, inv, reads, writes);
            }
          });
        }
      }
      gate("done");
    }
    System.exit(0); // the JDK HTTP server's executor threads would keep the JVM alive
  }

  /**
   * A thread's group: its name without digits; OkHttp's task threads, which take the name of the task they run
   * ({@code OkHttp ConnectionPool connection closer}, {@code OkHttp TaskRunner}), count as one group, {@code OkHttp}.
   */
  private static String group(String threadName) {
    return threadName.startsWith("OkHttp ") ? "OkHttp" : threadName.replaceAll("[0-9]+", "");
  }

  /** With {@code -Dp1.count.gate=true}: says {@code P1GATE <what>} and waits for a line of standard input. */
  private static void gate(String what) throws java.io.IOException {
    if (Boolean.getBoolean("p1.count.gate")) {
      System.out.println("P1GATE " + what);
      System.out.flush();
      new java.io.BufferedReader(new java.io.InputStreamReader(System.in)).readLine();
    }
  }

  /** Keeps the calling thread busy for {@code nanos} (a stand-in for work between calls). */
  private static void spin(long nanos) {
    long end = System.nanoTime() + nanos;
    while (nanos > 0 && System.nanoTime() < end) {
      Thread.onSpinWait();
    }
  }

  /**
   * Per thread group: CPU ns, bytes allocated, voluntary and involuntary context switches, read-like and write-like
   * system calls, summed.
   */
  private static Map<String, long[]> snapshot() throws Exception {
    Map<String, long[]> groups = new TreeMap<>();
    long self = Thread.currentThread().getId();
    long[] ids = THREADS.getAllThreadIds();
    long[] cpu = THREADS.getThreadCpuTime(ids);
    long[] alloc = THREADS.getThreadAllocatedBytes(ids);
    for (int i = 0; i < ids.length; i++) {
      var info = THREADS.getThreadInfo(ids[i]);
      if (info == null) {
        continue;
      }
      String group = ids[i] == self ? "caller" : group(info.getThreadName());
      long[] g = groups.computeIfAbsent(group, k -> new long[6]);
      g[0] += Math.max(0, cpu[i]);
      g[1] += Math.max(0, alloc[i]);
    }
    try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path task : (Iterable<Path>) tasks::iterator) {
        String name = group(Files.readString(task.resolve("comm")).trim());
        long[] switches = ProcTasks.contextSwitches(task);
        long[] io = ProcTasks.ioCalls(task);
        long[] g = groups.computeIfAbsent("cs " + name, k -> new long[6]);
        g[2] += switches[0];
        g[3] += switches[1];
        g[4] += io[0];
        g[5] += io[1];
      }
    }
    return groups;
  }
}
