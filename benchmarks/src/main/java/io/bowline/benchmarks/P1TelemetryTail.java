package io.bowline.benchmarks;

import java.io.IOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import okhttp3.OkHttpClient;
import okhttp3.Request;

/**
 * What runs during P1's slowest calls with all telemetry on: the mesh client and the all-on client
 * ({@link TelemetryOnMesh}) take turns in slices of 200 calls (as P1 measures them), and after each call the probe
 * reads the CPU time of the process's background threads (the access log's flush thread, the OTel SDK's
 * {@code BatchSpanProcessor} worker, the stats flush, the coarse clock's ticker, the exchange deadline watchdog), the
 * JVM's garbage collection count and the JIT's compilation time. A call is "touched" by a source when the source
 * ran between the end of the call before it and its own end. Printed per client: p50, p99 and p99.9; per source, the
 * share of all calls and of the slowest 1 % it touched, and the median time of the calls it touched (a long call
 * overlaps a periodic source more often, so the slowest calls' shares are high for a ticker even when it costs
 * them nothing); the p99 of the calls no source touched; and the flush thread's CPU per access-log line, its wake-ups
 * (voluntary context switches) and writes per second, and its CPU per stretch on a core (its CPU over its context
 * switches, voluntary and not: how long it holds a core at a time). On two cores, a background thread on a core
 * during a call is a core the call's own threads (caller, OkHttp, the server's) do not have.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar io.bowline.benchmarks.P1TelemetryTail [rounds]} (default
 * 100 rounds of 200 calls per client, after a warm-up of 100,000 calls per client).
 */
public final class P1TelemetryTail {
  private static final int SLICE = 200;
  /** The background threads, by the start of their name. */
  private static final List<String> THREADS = List.of("bowline-access-log-flush", "BatchSpanProcessor",
      "bowline-stats-flush", "bowline-coarse-clock", "bowline-exchange-deadlines");
  private static final String GC = "GC";
  private static final String JIT = "JIT";

  private P1TelemetryTail() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 100;
    double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    try (EndToEndFixture fixture = new EndToEndFixture();
        TelemetryOnMesh all = new TelemetryOnMesh(fixture, true, true)) {
      Request meshed = new Request.Builder().url("http://" + EndToEndFixture.HTTP_HOST + "/items/1").build();
      Request logged = new Request.Builder().url("http://" + EndToEndFixture.HTTP_TELEMETRY_HOST + "/items/1")
          .build();
      Map<String, Callable<Object>> clients = new LinkedHashMap<>();
      clients.put("mesh", P1Clients.get(okHttp(fixture.mesh), meshed));
      clients.put("mesh+all", P1Clients.get(okHttp(all.mesh), logged));
      for (int i = 0; i < 500; i++) { // warm up, alternating as measured
        for (Callable<Object> c : clients.values()) {
          for (int k = 0; k < SLICE; k++) {
            c.call();
          }
        }
      }
      Sources sources = new Sources();
      List<String> names = new ArrayList<>(clients.keySet());
      int n = rounds * SLICE;
      Map<String, long[]> times = new LinkedHashMap<>();
      Map<String, long[]> touched = new LinkedHashMap<>();
      names.forEach(name -> {
        times.put(name, new long[n]);
        touched.put(name, new long[n]);
      });
      long[] flushStart = flushThread();
      long wallStart = System.nanoTime();
      long[] now = sources.read();
      long[] start = now.clone();
      long[] before = now;
      for (int r = 0; r < rounds; r++) {
        for (int k = 0; k < names.size(); k++) {
          String name = names.get((k + r) % names.size()); // who goes first alternates by round
          Callable<Object> c = clients.get(name);
          long[] t = times.get(name);
          long[] m = touched.get(name);
          for (int i = 0; i < SLICE; i++) {
            long t0 = System.nanoTime();
            c.call();
            t[r * SLICE + i] = System.nanoTime() - t0;
            long[] after = sources.read();
            long mask = 0;
            for (int s = 0; s < after.length; s++) {
              if (after[s] != before[s]) {
                mask |= 1L << s;
              }
            }
            m[r * SLICE + i] = mask;
            before = after;
          }
        }
      }
      long[] end = sources.read();
      long[] flushEnd = flushThread();
      double seconds = (System.nanoTime() - wallStart) / 1e9;
      System.out.printf("P1 tail with all telemetry on (backend %s): %d rounds of %d calls per client, load %.1f before,"
          + " %.1f after; share of calls a source ran during, of all calls and of the slowest 1 %%%n",
          EndToEndFixture.backend(), rounds, SLICE, load,
          ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
      for (String name : names) {
        report(name, times.get(name), touched.get(name), sources.names);
      }
      int flush = sources.names.indexOf("bowline-access-log-flush");
      System.out.printf("access-log flush thread: %.0f ns CPU per line (%d lines)%n",
          (double) (end[flush] - start[flush]) / n, n);
      long wakeUps = flushEnd[0] - flushStart[0];
      long switches = wakeUps + flushEnd[1] - flushStart[1];
      System.out.printf("access-log flush thread: %.1f wake-ups/s, %.1f involuntary switches/s, %.1f writes/s, "
          + "%.1f lines per wake-up, CPU per stretch on a core %.1f us%n", wakeUps / seconds,
          (flushEnd[1] - flushStart[1]) / seconds, (flushEnd[3] - flushStart[3]) / seconds,
          (double) n / Math.max(1, wakeUps), (flushEnd[2] - flushStart[2]) / 1e3 / Math.max(1, switches));
      System.out.printf("background CPU over the measurement, ms: %s%n", cpuMillis(sources.names, start, end));
    }
    System.exit(0); // the JDK HTTP server's executor threads would keep the JVM alive
  }

  private static void report(String name, long[] times, long[] touched, List<String> sources) {
    int n = times.length;
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Long.compare(times[a], times[b]));
    int slow = Math.max(1, n / 100);
    long quietCount = Arrays.stream(touched).filter(m -> m == 0).count();
    long[] quiet = new long[(int) quietCount];
    int q = 0;
    for (int i = 0; i < n; i++) {
      if (touched[i] == 0) {
        quiet[q++] = times[i];
      }
    }
    Arrays.sort(quiet);
    System.out.printf("%-9s p50 %.1f  p99 %.1f  p99.9 %.1f us; calls no source touched: %.1f %%, their p99 %.1f us%n",
        name, times[order[n / 2]] / 1000.0, times[order[(int) (n * 0.99)]] / 1000.0,
        times[order[(int) (n * 0.999)]] / 1000.0, 100.0 * quietCount / n,
        quiet.length == 0 ? Double.NaN : quiet[(int) (quiet.length * 0.99)] / 1000.0);
    for (int s = 0; s < sources.size(); s++) {
      long bit = 1L << s;
      long[] hit = new long[n];
      int inAll = 0;
      for (int i = 0; i < n; i++) {
        if ((touched[i] & bit) != 0) {
          hit[inAll++] = times[i];
        }
      }
      long inSlow = 0;
      for (int i = n - slow; i < n; i++) {
        inSlow += (touched[order[i]] & bit) != 0 ? 1 : 0;
      }
      Arrays.sort(hit, 0, inAll);
      System.out.printf("    %-28s all %6.2f %%   slowest 1 %% %6.2f %%   touched calls' p50 %s us%n",
          sources.get(s), 100.0 * inAll / n, 100.0 * inSlow / slow,
          inAll == 0 ? "-" : String.format("%.1f", hit[inAll / 2] / 1000.0));
    }
  }

  /** The access log's flush thread's voluntary and involuntary switches, CPU ns and write calls, from /proc. */
  private static long[] flushThread() throws IOException {
    try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path t : (Iterable<Path>) tasks::iterator) {
        if (Files.readString(t.resolve("comm")).startsWith("bowline-access")) {
          long[] switches = ProcTasks.contextSwitches(t);
          long cpu = Long.parseLong(Files.readString(t.resolve("schedstat")).trim().split(" ")[0]);
          long writes = 0;
          for (String line : Files.readAllLines(t.resolve("io"))) {
            if (line.startsWith("syscw:")) {
              writes = Long.parseLong(line.substring(6).trim());
            }
          }
          return new long[] {switches[0], switches[1], cpu, writes};
        }
      }
    }
    return new long[4];
  }

  private static String cpuMillis(List<String> names, long[] start, long[] end) {
    StringBuilder b = new StringBuilder();
    for (int s = 0; s < names.size(); s++) {
      if (!names.get(s).equals(GC) && !names.get(s).equals(JIT)) {
        b.append(names.get(s)).append(' ').append(String.format("%.1f", (end[s] - start[s]) / 1e6)).append("; ");
      }
    }
    return b.toString();
  }

  /** The counters read after each call: background threads' CPU ns, GC count, JIT ms. */
  private static final class Sources {
    final List<String> names = new ArrayList<>();
    private final long[] threadIds;
    private final com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private final List<GarbageCollectorMXBean> gcs = ManagementFactory.getGarbageCollectorMXBeans();
    private final CompilationMXBean jit = ManagementFactory.getCompilationMXBean();

    Sources() {
      List<Long> ids = new ArrayList<>();
      for (String prefix : THREADS) {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
          if (t.getName().startsWith(prefix)) {
            names.add(t.getName());
            ids.add(t.getId());
          }
        }
      }
      threadIds = ids.stream().mapToLong(Long::longValue).toArray();
      names.add(GC);
      names.add(JIT);
    }

    long[] read() {
      long[] out = new long[threadIds.length + 2];
      for (int i = 0; i < threadIds.length; i++) {
        out[i] = threads.getThreadCpuTime(threadIds[i]);
      }
      long count = 0;
      for (GarbageCollectorMXBean gc : gcs) {
        count += gc.getCollectionCount();
      }
      out[threadIds.length] = count;
      out[threadIds.length + 1] = jit.getTotalCompilationTime();
      return out;
    }
  }

  private static OkHttpClient okHttp(io.bowline.api.MeshClient mesh) {
    return io.bowline.runtime.adapter.okhttp.BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
  }
}
