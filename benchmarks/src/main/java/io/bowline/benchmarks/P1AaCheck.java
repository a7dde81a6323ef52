package io.bowline.benchmarks;

import io.bowline.runtime.adapter.grpc.BowlineGrpc;
import io.bowline.runtime.adapter.okhttp.BowlineOkHttp;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
 * Checks P1's rotation ({@link P1Rotation}) for bias: any list of clients, identical ones included, in
 * {@link P1Interleaved#run}'s rounds and table, every row paired with the first client. Two clients of the same kind
 * (each with its own OkHttp client or gRPC channel) must read A/A ≈ 0 within the interval at every position of the
 * list; a gap between them is the fixture's bias. Kinds: {@code http}, {@code http-untimed}, {@code http-mesh},
 * {@code grpc}, {@code grpc-mesh} ({@link EndToEndFixture}) and {@code tls-http}, {@code tls-http-mesh},
 * {@code tls-grpc}, {@code tls-grpc-mesh} ({@link MtlsFixture}, the direct ones with the mesh's TLS).
 *
 * <p>With {@code -Dp1.check.sched=true} each client's call also notes, at the first call of each slice, what the
 * process's threads did since the previous slice began (read from {@code /proc/self/task/*}: context switches and CPU
 * migrations of all threads, the calling thread's wait on the run queue; the process's CPU time), the calling
 * thread's CPU time and allocation within its calls, and times calls by their place in the slice;
 * it then prints them per client (meant for long slices: the {@code /proc} reads land in a slice's first call).
 * With {@code -Dp1.check.trend=true} it prints each row's paired p50 per ten rounds, in order (a drift or a change of
 * state during the run). Run:
 * {@code java -Dp1.slice=200 -Dp1.order=listed -cp benchmarks/target/benchmarks.jar io.bowline.benchmarks.P1AaCheck
 * 60 http http http-mesh}.
 */
public final class P1AaCheck {
  private static final int[] PLACES = {0, 1, 2, 5, 20, 50};
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
  private static final com.sun.management.OperatingSystemMXBean PROCESS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  private P1AaCheck() {}

  public static void main(String[] args) throws Exception {
    int rounds = Integer.parseInt(args[0]);
    List<String> kinds = Arrays.asList(args).subList(1, args.length);
    double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    boolean sched = Boolean.getBoolean("p1.check.sched");
    boolean plain = kinds.stream().anyMatch(k -> !k.startsWith("tls-"));
    boolean tls = kinds.stream().anyMatch(k -> k.startsWith("tls-"));
    try (EndToEndFixture fixture = plain ? new EndToEndFixture() : null;
        MtlsFixture mtls = tls ? new MtlsFixture() : null) {
      Map<String, Callable<Object>> clients = new LinkedHashMap<>();
      Map<String, SliceStats> stats = new LinkedHashMap<>();
      SliceStats[] last = new SliceStats[1];
      for (int i = 0; i < kinds.size(); i++) {
        String name = (i + 1) + " " + kinds.get(i) + (i == 0 ? ", direct" : "");
        Callable<Object> call = client(kinds.get(i), fixture, mtls);
        call.call();
        if (sched) {
          SliceStats s = new SliceStats(last);
          stats.put(name, s);
          Callable<Object> inner = call;
          call = () -> s.call(inner);
        }
        clients.put(name, call);
      }
      Map<String, double[]> medians = P1Interleaved.run("P1 A/A check: " + String.join(" ", kinds), clients, rounds,
          loadBefore, () -> stats.values().forEach(SliceStats::reset));
      if (Boolean.getBoolean("p1.check.trend")) {
        trend(medians, rounds);
      }
      if (sched) {
        System.out.printf("%nper measured call, from each slice's start to the next slice's: all threads'"
            + " context switches, CPU migrations; the calling thread's run-queue wait ns; p50 µs by place in slice %s%n",
            Arrays.toString(PLACES));
        stats.forEach((name, s) -> System.out.printf("  %-24s %s%n", name, s));
      }
    }
    System.exit(0); // the JDK HTTP server's executor threads would keep the JVM alive
  }

  /** Prints each client's p50 minus the first client's, µs, as the median of each block of ten rounds, in order. */
  private static void trend(Map<String, double[]> medians, int rounds) {
    double[] first = medians.values().iterator().next();
    System.out.println("\npaired p50 over the first client, µs, median per 10 rounds in order:");
    medians.forEach((name, p50) -> {
      StringBuilder line = new StringBuilder(String.format("  %-24s", name));
      for (int from = 0; from + 10 <= rounds; from += 10) {
        double[] diff = new double[10];
        for (int r = 0; r < 10; r++) {
          diff[r] = p50[from + r] - first[from + r];
        }
        Arrays.sort(diff);
        line.append(String.format(" %+6.1f", diff[5]));
      }
      System.out.println(line);
    });
  }

  static Callable<Object> client(String kind, EndToEndFixture plain, MtlsFixture tls) throws Exception {
    return switch (kind) {
      case "http" -> P1Clients.get(new OkHttpClient(), direct(plain.httpPort, "http"));
      case "http-untimed" -> P1Clients.get(new OkHttpClient.Builder().readTimeout(Duration.ZERO)
          .writeTimeout(Duration.ZERO).build(), direct(plain.httpPort, "http"));
      case "http-mesh" -> P1Clients.get(BowlineOkHttp.install(plain.mesh, new OkHttpClient.Builder()).build(),
          new Request.Builder().url("http://" + EndToEndFixture.HTTP_HOST + "/items/1").build());
      case "grpc" -> P1Clients.check(HealthGrpc.newBlockingStub(
          NettyChannelBuilder.forAddress("127.0.0.1", plain.grpc.getPort()).usePlaintext().build()));
      case "grpc-mesh" -> P1Clients.check(HealthGrpc.newBlockingStub(
          BowlineGrpc.channel(plain.mesh, EndToEndFixture.GRPC_HOST + ":80")));
      case "tls-http" -> P1Clients.get(P1MtlsInterleaved.directHttp(tls.clientTls),
          direct(tls.https.getAddress().getPort(), "https"));
      case "tls-http-mesh" -> P1Clients.get(BowlineOkHttp.install(tls.mesh, new OkHttpClient.Builder()).build(),
          new Request.Builder().url("http://" + MtlsFixture.HTTP_HOST + "/items/1").build());
      case "tls-grpc" -> P1Clients.check(HealthGrpc.newBlockingStub(P1MtlsInterleaved.directGrpc(tls, tls.clientTls)));
      case "tls-grpc-mesh" -> P1Clients.check(HealthGrpc.newBlockingStub(
          (ManagedChannel) BowlineGrpc.channel(tls.mesh, MtlsFixture.GRPC_HOST + ":80")));
      default -> throw new IllegalArgumentException("unknown client kind " + kind);
    };
  }

  private static Request direct(int port, String scheme) {
    return new Request.Builder().url(scheme + "://127.0.0.1:" + port + "/items/1").build();
  }

  /**
   * One client's share of what the process's threads did, gathered at slice boundaries: a call to another client
   * than the last one closes the last one's slice.
   */
  private static final class SliceStats {
    private final SliceStats[] last;
    private long[] mark;
    private long calls;
    private long switches;
    private long migrations;
    private long runDelay;
    private long processCpu;
    private long callerCpu;
    private long callerBytes;
    private int place;
    private final List<List<Long>> byPlace = new ArrayList<>();

    SliceStats(SliceStats[] last) {
      this.last = last;
      for (int i = 0; i < PLACES.length; i++) {
        byPlace.add(new ArrayList<>());
      }
    }

    Object call(Callable<Object> inner) throws Exception {
      if (last[0] != this) {
        long[] now = snapshot();
        if (last[0] != null) {
          last[0].close(now);
        }
        mark = now;
        mark[3] = PROCESS.getProcessCpuTime(); // after the reads, which the slice before paid for
        last[0] = this;
        place = 0;
      }
      long cpu = THREADS.getCurrentThreadCpuTime();
      long bytes = THREADS.getCurrentThreadAllocatedBytes();
      long start = System.nanoTime();
      Object r = inner.call();
      long took = System.nanoTime() - start;
      callerBytes += THREADS.getCurrentThreadAllocatedBytes() - bytes;
      callerCpu += THREADS.getCurrentThreadCpuTime() - cpu;
      int bucket = 0;
      while (bucket + 1 < PLACES.length && place >= PLACES[bucket + 1]) {
        bucket++;
      }
      byPlace.get(bucket).add(took);
      place++;
      calls++;
      return r;
    }

    /** Forgets what the warm-up counted (the warm-up runs the same code as the measurement, counting included). */
    void reset() {
      calls = switches = migrations = runDelay = processCpu = callerCpu = callerBytes = 0;
      byPlace.forEach(List::clear);
      last[0] = null;
    }

    private void close(long[] now) {
      switches += now[0] - mark[0];
      migrations += now[1] - mark[1];
      runDelay += now[2] - mark[2];
      processCpu += now[3] - mark[3];
    }

    /** All threads' switches and migrations, the calling thread's run-queue wait, ns. */
    private static long[] snapshot() throws IOException {
      long[] out = new long[4];
      out[3] = PROCESS.getProcessCpuTime();
      try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
        for (Path task : (Iterable<Path>) tasks::iterator) {
          try {
            for (String line : Files.readAllLines(task.resolve("sched"))) {
              if (line.startsWith("nr_switches")) {
                out[0] += value(line);
              } else if (line.startsWith("se.nr_migrations")) {
                out[1] += value(line);
              }
            }
          } catch (IOException gone) {
            // the thread ended between the listing and the read
          }
        }
      }
      out[2] = Long.parseLong(Files.readString(Path.of("/proc/thread-self/schedstat")).trim().split(" ")[1]);
      return out;
    }

    private static long value(String line) {
      return (long) Double.parseDouble(line.substring(line.indexOf(':') + 1).trim());
    }

    @Override
    public String toString() {
      StringBuilder places = new StringBuilder();
      for (List<Long> times : byPlace) {
        long[] t = times.stream().mapToLong(Long::longValue).sorted().toArray();
        places.append(String.format(" %7.1f", t.length == 0 ? Double.NaN : t[t.length / 2] / 1000.0));
      }
      return String.format("%6.2f switches %6.3f migrations %7d ns waiting %7d ns CPU, caller %6d ns %6d B |%s",
          (double) switches / calls, (double) migrations / calls, runDelay / calls, processCpu / calls,
          callerCpu / calls, callerBytes / calls, places);
    }
  }
}
