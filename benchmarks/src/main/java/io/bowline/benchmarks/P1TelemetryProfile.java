package io.bowline.benchmarks;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import okhttp3.OkHttpClient;
import okhttp3.Request;

/**
 * {@link P1TelemetryBreakdown}'s clients, each on a thread of its own named after it ({@code p1-mesh},
 * {@code p1-mesh+all}, …), called in turns of {@value #CALLS_PER_TURN} calls as P1's loop calls them (one client
 * at a time, every client in every round in a fresh random order, so the JIT's type profiles are shared as in P1), for a profiler that
 * splits its samples by thread: async-profiler's {@code threads} option then gives each client's calling thread
 * its own stacks, and the per-thread totals divided by the calls (equal for all clients) give the CPU or wall time
 * per call by frame. After {@code warm-up} seconds the harness loads the agent into itself with
 * {@code -Dprofile.start} (the options after the library path, e.g. {@code start,event=cpu,interval=20us,threads})
 * through the JDK's attach API (run with {@code -Djdk.attach.allowAttachSelf=true}), runs {@code seconds} more,
 * and dumps with {@code -Dprofile.stop} (e.g. {@code stop,file=/tmp/x.collapsed,collapsed}). Prints each client's
 * caller-thread CPU ns, bytes and context switches per call over the profiled window. {@code -Dp1.clients=mesh,mesh+all} keeps only
 * the named clients. Run:
 * {@code java -Djdk.attach.allowAttachSelf=true -Dprofile.lib=/tmp/ap/linux-x64/libasyncProfiler.so
 * -Dprofile.start=start,event=cpu,interval=20us,threads -Dprofile.stop=stop,file=/tmp/x.collapsed,collapsed
 * [-Dp1.backend=netty] -cp benchmarks/target/benchmarks.jar io.bowline.benchmarks.P1TelemetryProfile [warm-up s]
 * [seconds]}.
 */
public final class P1TelemetryProfile {
  private static final int CALLS_PER_TURN = 200;

  private P1TelemetryProfile() {}

  public static void main(String[] args) throws Exception {
    int warmUp = args.length > 0 ? Integer.parseInt(args[0]) : 40;
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 30;
    List<String> only = List.of(System.getProperty("p1.clients", "").split(","));
    try (EndToEndFixture fixture = new EndToEndFixture();
        TelemetryOnMesh prometheus = new TelemetryOnMesh(fixture, true, false);
        TelemetryOnMesh sdk = new TelemetryOnMesh(fixture, false, true);
        TelemetryOnMesh all = new TelemetryOnMesh(fixture, true, true)) {
      Request direct = new Request.Builder().url("http://127.0.0.1:" + fixture.httpPort + "/items/1").build();
      Request meshed = new Request.Builder().url("http://" + EndToEndFixture.HTTP_HOST + "/items/1").build();
      Request logged = new Request.Builder().url("http://" + EndToEndFixture.HTTP_TELEMETRY_HOST + "/items/1")
          .build();
      Map<String, Callable<Object>> calls = new LinkedHashMap<>();
      calls.put("direct", P1Clients.get(new OkHttpClient(), direct));
      calls.put("direct A/A", P1Clients.get(new OkHttpClient(), direct));
      calls.put("direct+3 B3", P1Clients.get(new OkHttpClient(), P1TelemetryWakeups.withUnsampledB3(direct)));
      calls.put("mesh", P1Clients.get(okHttp(fixture.mesh), meshed));
      calls.put("mesh+prometheus", P1Clients.get(okHttp(prometheus.mesh), meshed));
      calls.put("mesh+sdk", P1Clients.get(okHttp(sdk.mesh), meshed));
      calls.put("mesh+log", P1Clients.get(okHttp(fixture.mesh), logged));
      calls.put("mesh+all", P1Clients.get(okHttp(all.mesh), logged));
      if (!only.get(0).isEmpty()) {
        calls.keySet().retainAll(only);
      }
      List<Turns> clients = new ArrayList<>();
      calls.forEach((name, call) -> clients.add(new Turns(name, call)));
      long end = System.nanoTime() + warmUp * 1_000_000_000L;
      while (System.nanoTime() < end) {
        round(clients);
      }
      clients.forEach(Turns::reset);
      Map<String, long[]> switchesBefore = switches();
      String lib = System.getProperty("profile.lib");
      if (lib != null) {
        agent(lib, System.getProperty("profile.start", "start,event=cpu,interval=20us,threads"));
      }
      long rounds = 0;
      end = System.nanoTime() + seconds * 1_000_000_000L;
      while (System.nanoTime() < end) {
        round(clients);
        rounds++;
      }
      if (lib != null) {
        agent(lib, System.getProperty("profile.stop", "stop,file=/tmp/p1profile.collapsed,collapsed"));
      }
      Map<String, long[]> switchesAfter = switches();
      System.out.printf("%d rounds of %d calls per client, load %.2f%n", rounds, CALLS_PER_TURN,
          ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
      System.out.println("  client               calls   CPU ns/call  B/call  voluntary, involuntary switches/call");
      for (Turns t : clients) {
        long[] a = switchesBefore.getOrDefault(t.comm(), new long[2]);
        long[] b = switchesAfter.getOrDefault(t.comm(), new long[2]);
        System.out.printf("  %-18s %8d %10d %8d %8.2f %8.2f%n", t.name, t.cost[0], t.cost[1] / t.cost[0],
            t.cost[2] / t.cost[0], (b[0] - a[0]) / (double) t.cost[0], (b[1] - a[1]) / (double) t.cost[0]);
      }
      clients.forEach(Turns::close);
    }
    System.exit(0); // the JDK HTTP server's executor threads would keep the JVM alive
  }

  private static final java.util.Random ORDER = new java.util.Random(1);

  /** One turn of every client, in a fresh random order (as P1's rotation), so that no client keeps a position. */
  private static void round(List<Turns> clients) throws Exception {
    List<Turns> order = new ArrayList<>(clients);
    java.util.Collections.shuffle(order, ORDER);
    for (Turns t : order) {
      t.turn();
    }
  }

  /** Each thread's voluntary and involuntary context switches so far, by its name as /proc shows it (15 chars). */
  private static Map<String, long[]> switches() throws java.io.IOException {
    Map<String, long[]> counts = new LinkedHashMap<>();
    try (java.util.stream.Stream<java.nio.file.Path> tasks = java.nio.file.Files.list(
        java.nio.file.Path.of("/proc/self/task"))) {
      for (java.nio.file.Path task : (Iterable<java.nio.file.Path>) tasks::iterator) {
        try {
          String comm = java.nio.file.Files.readString(task.resolve("comm")).strip();
          long[] c = new long[2];
          for (String line : java.nio.file.Files.readAllLines(task.resolve("status"))) {
            if (line.startsWith("voluntary_ctxt_switches:")) {
              c[0] = Long.parseLong(line.substring(line.indexOf(':') + 1).strip());
            } else if (line.startsWith("nonvoluntary_ctxt_switches:")) {
              c[1] = Long.parseLong(line.substring(line.indexOf(':') + 1).strip());
            }
          }
          counts.put(comm, c);
        } catch (java.io.IOException gone) {
          // the thread ended
        }
      }
    }
    return counts;
  }

  /** Loads async-profiler into this JVM with {@code options} (the attach API's self-attach). */
  private static void agent(String lib, String options) throws Exception {
    com.sun.tools.attach.VirtualMachine vm = com.sun.tools.attach.VirtualMachine.attach(
        Long.toString(ProcessHandle.current().pid()));
    try {
      vm.loadAgentPath(lib, options);
    } finally {
      vm.detach();
    }
  }

  /** One client on its own named thread, called {@value #CALLS_PER_TURN} times per turn. */
  private static final class Turns {
    final String name;
    final long[] cost = new long[3];
    private final ExecutorService thread;
    private final Callable<Object> turn;

    Turns(String name, Callable<Object> call) {
      this.name = name;
      this.thread = Executors.newSingleThreadExecutor(r -> new Thread(r, "p1-" + name.replace(' ', '_')));
      com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
      this.turn = () -> {
        for (int i = 0; i < CALLS_PER_TURN; i++) {
          long cpu = threads.getCurrentThreadCpuTime();
          long bytes = threads.getCurrentThreadAllocatedBytes();
          call.call();
          cost[2] += threads.getCurrentThreadAllocatedBytes() - bytes;
          cost[1] += threads.getCurrentThreadCpuTime() - cpu;
          cost[0]++;
        }
        return null;
      };
    }

    void turn() throws Exception {
      Future<Object> f = thread.submit(turn);
      f.get();
    }

    /** The thread's name as /proc's {@code comm} shows it. */
    String comm() {
      String n = "p1-" + name.replace(' ', '_');
      return n.length() > 15 ? n.substring(0, 15) : n;
    }

    void reset() {
      java.util.Arrays.fill(cost, 0);
    }

    void close() {
      thread.shutdownNow();
    }
  }

  private static OkHttpClient okHttp(io.bowline.api.MeshClient mesh) {
    return io.bowline.runtime.adapter.okhttp.BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
  }
}
