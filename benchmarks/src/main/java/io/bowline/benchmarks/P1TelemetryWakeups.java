package io.bowline.benchmarks;

import io.bowline.api.MeshClient;
import io.bowline.api.filter.Exchange;
import io.bowline.api.filter.ExchangeResponse;
import io.bowline.api.filter.HttpFilter;
import io.bowline.runtime.pipeline.MeshExchange;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.stream.Stream;
import okhttp3.OkHttpClient;
import okhttp3.Request;

/**
 * Which threads each part of "all telemetry on" wakes per OkHttp mesh call, and what each part adds to a call,
 * paired call by call. The clients are {@link P1TelemetryBreakdown}'s, a second OkHttp client on the default mesh
 * client (a control: it should add nothing), and a mesh client whose filter sends the three B3 headers of a call
 * an SDK did not sample (the SDK client's headers without its span); the direct client with the same three headers
 * tells their cost on the wire and in the server from the mesh's.
 *
 * <p>Counts: after a warm-up, rounds of {@code calls} sequential calls per client, each round starting one client
 * later; per client, the median call time of each round and, for every thread of the process (grouped by its name
 * without digits), per call: voluntary and involuntary context switches ({@code /proc/self/task/TID/status}), CPU
 * time ({@code /proc/self/task/TID/schedstat}, ns), read and write system calls ({@code syscr}, {@code syscw} of
 * {@code /proc/self/task/TID/io}). On two cores, a thread woken per call is a context switch the call pays for.
 * Counts are far less sensitive to the machine's load than a latency.
 *
 * <p>Pairs: each client's calls alternated one by one with the mesh client's (and the mesh and all-on clients' with
 * the direct client's), the order swapped every pair; the median of the differences and its 95 % interval.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar io.bowline.benchmarks.P1TelemetryWakeups [rounds
 * [calls]]} (default 6 rounds of 4,000 calls; the pairs are rounds times calls).
 */
public final class P1TelemetryWakeups {
  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String SPAN_ID = "00f067aa0ba902b7";

  private P1TelemetryWakeups() {}

  /** One thread's counters: voluntary and involuntary switches, CPU ns, read and write system calls. */
  private record Counters(long voluntary, long involuntary, long cpuNanos, long reads, long writes) {
    static final Counters ZERO = new Counters(0, 0, 0, 0, 0);

    Counters minus(Counters o) {
      return new Counters(voluntary - o.voluntary, involuntary - o.involuntary, cpuNanos - o.cpuNanos,
          reads - o.reads, writes - o.writes);
    }

    Counters plus(Counters o) {
      return new Counters(voluntary + o.voluntary, involuntary + o.involuntary, cpuNanos + o.cpuNanos,
          reads + o.reads, writes + o.writes);
    }
  }

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 6;
    int calls = args.length > 1 ? Integer.parseInt(args[1]) : 4_000;
    try (EndToEndFixture fixture = new EndToEndFixture();
        TelemetryOnMesh prometheus = new TelemetryOnMesh(fixture, true, false);
        TelemetryOnMesh sdk = new TelemetryOnMesh(fixture, false, true);
        TelemetryOnMesh all = new TelemetryOnMesh(fixture, true, true);
        MeshClient traceHeaders = MeshClient.builder().workload("bench-trace-headers", "default")
            .xdsServer("127.0.0.1:" + fixture.xds.getPort()).filter(P1TelemetryWakeups::unsampledB3).build()) {
      traceHeaders.awaitReady(Duration.ofSeconds(30));
      Request direct = new Request.Builder().url("http://127.0.0.1:" + fixture.httpPort
          + "/items/1").build();
      Request meshed = new Request.Builder().url("http://" + EndToEndFixture.HTTP_HOST + "/items/1").build();
      Request logged = new Request.Builder().url("http://" + EndToEndFixture.HTTP_TELEMETRY_HOST + "/items/1")
          .build();
      Map<String, Callable<Object>> clients = new LinkedHashMap<>();
      clients.put("OkHttp direct", P1Clients.get(new OkHttpClient(), direct));
      clients.put("direct+3 B3 headers", P1Clients.get(new OkHttpClient(), withUnsampledB3(direct)));
      clients.put("mesh", P1Clients.get(okHttp(fixture.mesh), meshed));
      clients.put("mesh, 2nd OkHttp client", P1Clients.get(okHttp(fixture.mesh), meshed));
      clients.put("mesh+prometheus", P1Clients.get(okHttp(prometheus.mesh), meshed));
      clients.put("mesh+3 B3 header edits", P1Clients.get(okHttp(traceHeaders), meshed));
      clients.put("mesh+sdk 1 %", P1Clients.get(okHttp(sdk.mesh), meshed));
      clients.put("mesh+file access log", P1Clients.get(okHttp(fixture.mesh), logged));
      clients.put("mesh+all", P1Clients.get(okHttp(all.mesh), logged));
      for (Callable<Object> c : clients.values()) { // warm up every client first, so that JIT threads barely count
        for (int i = 0; i < 20_000; i++) {
          c.call();
        }
      }
      double load = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
      List<String> names = new ArrayList<>(clients.keySet());
      Map<String, Map<String, Counters>> sums = new LinkedHashMap<>();
      Map<String, double[]> switches = new LinkedHashMap<>();
      Map<String, double[]> p50 = new LinkedHashMap<>();
      long[] nanos = new long[calls];
      for (int r = 0; r < rounds; r++) {
        for (int k = 0; k < names.size(); k++) { // each round starts one client later: no client always goes first
          String name = names.get((k + r) % names.size());
          Callable<Object> c = clients.get(name);
          Map<String, ThreadSample> before = threads();
          for (int i = 0; i < calls; i++) {
            long t0 = System.nanoTime();
            c.call();
            nanos[i] = System.nanoTime() - t0;
          }
          Map<String, Counters> d = groups(before, threads());
          d.forEach((g, x) -> sums.computeIfAbsent(name, n -> new TreeMap<>()).merge(g, x, Counters::plus));
          Counters total = d.values().stream().reduce(Counters.ZERO, Counters::plus);
          switches.computeIfAbsent(name, n -> new double[rounds])[r] = (double) total.voluntary / calls;
          Arrays.sort(nanos);
          p50.computeIfAbsent(name, n -> new double[rounds])[r] = nanos[calls / 2] / 1000.0;
        }
      }
      System.out.printf("per call (backend %s): %d rounds of %,d sequential calls per client, clients rotated per round;"
          + " load %.1f before, %.1f after (vol/invol = voluntary/involuntary context switches, cpu = ns on CPU)%n",
          EndToEndFixture.backend(), rounds,
          calls, load, java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
      long n = (long) rounds * calls;
      for (String name : names) {
        Map<String, Counters> g = sums.get(name);
        Counters total = g.values().stream().reduce(Counters.ZERO, Counters::plus);
        System.out.printf("%s: all threads %.2f vol (rounds %s) + %.2f invol, %.1f us cpu, %.2f read + %.2f write"
            + " syscalls; p50 by round %s us%n", name, (double) total.voluntary / n, range(switches.get(name)),
            (double) total.involuntary / n, total.cpuNanos / 1000.0 / n, (double) total.reads / n,
            (double) total.writes / n, range(p50.get(name)));
        g.forEach((thread, d) -> {
          if (d.voluntary + d.involuntary >= n / 1000) {
            System.out.printf("    %-26s %8.3f vol %8.3f invol %8.0f ns cpu %6.3f rd %6.3f wr%n", thread,
                (double) d.voluntary / n, (double) d.involuntary / n, (double) d.cpuNanos / n, (double) d.reads / n,
                (double) d.writes / n);
          }
        });
      }
      Callable<Object> mesh = clients.get("mesh");
      int pairs = rounds * calls;
      System.out.printf("paired with the mesh client call by call (%,d pairs, the order swapped every pair): median"
          + " of (client - mesh) in us, its 95 %% interval, and the quartiles%n", pairs);
      for (String name : names) {
        if (!name.equals("mesh") && !name.startsWith("direct+")) {
          System.out.printf("  %-26s %s%n", name, paired(clients.get(name), mesh, pairs));
        }
      }
      System.out.printf("paired with the direct client in the same way (P1's comparison)%n");
      for (String name : List.of("direct+3 B3 headers", "mesh", "mesh+all")) {
        System.out.printf("  %-26s %s%n", name, paired(clients.get(name), clients.get("OkHttp direct"), pairs));
      }
    }
    System.exit(0); // the JDK HTTP server's executor threads would keep the JVM alive
  }

  /**
   * {@code pairs} calls of {@code client} and of {@code base} alternating, {@code base} first in even pairs and
   * second in odd ones: the median and quartiles of the per-pair differences. The machine's load changes over
   * milliseconds, a pair over about 0.1 ms, so the differences carry much less of it than two separate runs.
   */
  private static String paired(Callable<Object> client, Callable<Object> base, int pairs) throws Exception {
    long[] d = new long[pairs];
    for (int i = 0; i < pairs; i++) {
      boolean baseFirst = (i & 1) == 0;
      long t0 = System.nanoTime();
      (baseFirst ? base : client).call();
      long t1 = System.nanoTime();
      (baseFirst ? client : base).call();
      long t2 = System.nanoTime();
      d[i] = baseFirst ? (t2 - t1) - (t1 - t0) : (t1 - t0) - (t2 - t1);
    }
    Arrays.sort(d);
    int half = (int) Math.ceil(1.96 * Math.sqrt(pairs) / 2); // the median's 95 % interval by order statistics
    return String.format("%+.1f [95 %% %+.1f, %+.1f], quartiles %+.1f, %+.1f", d[pairs / 2] / 1000.0,
        d[Math.max(0, pairs / 2 - half)] / 1000.0, d[Math.min(pairs - 1, pairs / 2 + half)] / 1000.0,
        d[pairs / 4] / 1000.0, d[3 * pairs / 4] / 1000.0);
  }

  /**
   * A filter that sends what the telemetry filter sends for a call that an SDK did not sample, B3 (Envoy's Zipkin
   * tracer, Istio's default), with fixed ids: the three headers' cost without the SDK's span.
   */
  private static CompletionStage<ExchangeResponse> unsampledB3(Exchange e, HttpFilter.Next next) {
    MeshExchange ex = (MeshExchange) e;
    ex.setHeaderKeepingRoute("x-b3-traceid", TRACE_ID);
    ex.setHeaderKeepingRoute("x-b3-spanid", SPAN_ID);
    ex.setHeaderKeepingRoute("x-b3-sampled", "0");
    return next.proceed(e);
  }

  /**
   * {@code request} with the three B3 headers an unsampled call of the mesh sends (fixed ids): a direct client that
   * sends what the mesh's tracing sends, like for like.
   */
  static Request withUnsampledB3(Request request) {
    return request.newBuilder().header("x-b3-traceid", TRACE_ID).header("x-b3-spanid", SPAN_ID)
        .header("x-b3-sampled", "0").build();
  }

  private static String range(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    return String.format("%.2f..%.2f", v[0], v[v.length - 1]);
  }

  /**
   * The counters' change per thread group: a thread's name without its digits, OkHttp's task threads as one group
   * (a task runner thread takes the name of the task it runs, e.g. {@code OkHttp ConnectionPool}).
   */
  private static Map<String, Counters> groups(Map<String, ThreadSample> before, Map<String, ThreadSample> after) {
    Map<String, Counters> groups = new TreeMap<>();
    after.forEach((tid, a) -> {
      ThreadSample b = before.get(tid);
      Counters d = b == null ? a.counters : a.counters.minus(b.counters);
      String name = a.name.replaceAll("[0-9]+", "#");
      if (name.startsWith("OkHttp ") && !name.startsWith("OkHttp Dispatch")) {
        name = "OkHttp task runner";
      }
      groups.merge(name, d, Counters::plus);
    });
    return groups;
  }

  /** A thread's name (it may change: OkHttp names its task threads after the task they run) and counters. */
  private record ThreadSample(String name, Counters counters) {}

  /** Every thread of this process by its id, with its counters now. */
  private static Map<String, ThreadSample> threads() throws IOException {
    Map<String, ThreadSample> out = new LinkedHashMap<>();
    try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path t : (Iterable<Path>) tasks::iterator) {
        try {
          String name = Files.readString(t.resolve("comm")).trim();
          long[] switches = ProcTasks.contextSwitches(t);
          long vol = switches[0];
          long invol = switches[1];
          long cpu = Long.parseLong(Files.readString(t.resolve("schedstat")).trim().split(" ")[0]);
          long reads = 0;
          long writes = 0;
          for (String line : Files.readAllLines(t.resolve("io"))) {
            if (line.startsWith("syscr:")) {
              reads = Long.parseLong(line.substring(6).trim());
            } else if (line.startsWith("syscw:")) {
              writes = Long.parseLong(line.substring(6).trim());
            }
          }
          out.put(t.getFileName().toString(), new ThreadSample(name, new Counters(vol, invol, cpu, reads, writes)));
        } catch (IOException | RuntimeException gone) {
          // the thread ended while being read
        }
      }
    }
    return out;
  }

  private static OkHttpClient okHttp(io.bowline.api.MeshClient mesh) {
    return io.bowline.runtime.adapter.okhttp.BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
  }
}
