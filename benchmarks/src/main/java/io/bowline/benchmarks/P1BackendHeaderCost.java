package io.bowline.benchmarks;

import com.sun.net.httpserver.HttpServer;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import okhttp3.Headers;
import okhttp3.OkHttpClient;
import okhttp3.Request;

/**
 * What extra request-header bytes cost on P1's two backends, without the mesh: direct OkHttp 1 KB GETs to the JDK
 * {@code HttpServer} backend ({@link EndToEndFixture#serveKilobyte}) and to {@link NettyKilobyteServer}, each plain,
 * with the three B3 headers of an unsampled mesh call ({@link P1TelemetryWakeups#withUnsampledB3}) and with one
 * header of about 1,000 bytes (the slope). Clients run in rounds of {@value #CALLS} calls each, in a fresh random
 * order per round; per client and round it reads the p50 latency, the calling thread's CPU per call and the backend's
 * threads' CPU per call (the JDK server's dispatcher and handler threads; Netty's one event loop), and prints the
 * median over rounds and, paired per round, what the headers add over the same backend's plain client, also per
 * header byte. The CPU figures hold on a loaded machine; latency does not. Run:
 * {@code java -cp benchmarks/target/benchmarks.jar io.bowline.benchmarks.P1BackendHeaderCost [rounds]}.
 */
public final class P1BackendHeaderCost {
  private static final int CALLS = 1_000;
  private static final int PAD = 1_000;

  private P1BackendHeaderCost() {}

  /** One client: its calls, the backend threads it makes work, and the extra header bytes it sends. */
  private record Client(String name, Callable<Object> call, Predicate<String> backendThread, int extraBytes) {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 40;
    double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    System.setProperty("sun.net.httpserver.nodelay", "true");
    HttpServer jdk = EndToEndFixture.serveKilobyte(HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128),
        exchange -> { });
    try (NettyKilobyteServer netty = new NettyKilobyteServer()) {
      List<Client> clients = new ArrayList<>();
      Predicate<String> jdkThreads = n -> n.startsWith("HTTP-Dispatcher") || n.startsWith("pool-");
      Predicate<String> nettyThreads = n -> n.startsWith(NettyKilobyteServer.THREAD);
      add(clients, "jdk", jdk.getAddress().getPort(), jdkThreads);
      add(clients, "netty", netty.port(), nettyThreads);
      for (Client c : clients) { // warm-up: past C2 for every path, and every JDK handler thread started
        for (int i = 0; i < 30_000; i++) {
          c.call().call();
        }
      }
      com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
      Map<String, double[][]> perRound = new LinkedHashMap<>(); // name -> [round][p50 µs, caller CPU ns, backend CPU ns]
      clients.forEach(c -> perRound.put(c.name(), new double[rounds][]));
      Random random = new Random(1);
      List<Client> order = new ArrayList<>(clients);
      long[] samples = new long[CALLS];
      for (int r = 0; r < rounds; r++) {
        Collections.shuffle(order, random);
        for (Client c : order) {
          long[] ids = threadIds(threads, c.backendThread());
          long backend = cpu(threads, ids);
          long caller = threads.getCurrentThreadCpuTime();
          for (int i = 0; i < CALLS; i++) {
            long t0 = System.nanoTime();
            c.call().call();
            samples[i] = System.nanoTime() - t0;
          }
          long callerNs = threads.getCurrentThreadCpuTime() - caller;
          long backendNs = cpu(threads, ids) - backend;
          Arrays.sort(samples);
          perRound.get(c.name())[r] = new double[] {samples[CALLS / 2] / 1000.0, callerNs / (double) CALLS,
              backendNs / (double) CALLS};
        }
      }
      System.out.printf("%nP1 backend header cost, %d rounds x %d calls per client (%d CPUs, load average %.2f before,"
          + " %.2f after)%n", rounds, CALLS, Runtime.getRuntime().availableProcessors(), loadBefore,
          ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
      System.out.printf("%-22s %6s %9s %14s %14s %22s %22s %22s%n", "client", "bytes", "p50 µs", "caller CPU ns",
          "backend CPU ns", "added p50 µs (per B: ns)", "added caller ns", "added backend ns");
      for (Client c : clients) {
        double[][] own = perRound.get(c.name());
        Client plain = clients.stream().filter(p -> p.extraBytes() == 0 && p.backendThread() == c.backendThread())
            .findFirst().orElseThrow();
        double[][] base = perRound.get(plain.name());
        System.out.printf("%-22s %6d %9.1f %14.0f %14.0f", c.name(), c.extraBytes(), median(own, 0), median(own, 1),
            median(own, 2));
        if (c != plain) {
          System.out.printf(" %22s %22s %22s", paired(own, base, 0, 1), paired(own, base, 1, 1),
              paired(own, base, 2, 1));
          System.out.printf("%n%-22s %6s %9s %14s %14s %22s %22s %22s", "  per header byte", "", "", "", "",
              paired(own, base, 0, 1000.0 / c.extraBytes()), paired(own, base, 1, 1.0 / c.extraBytes()),
              paired(own, base, 2, 1.0 / c.extraBytes()));
        }
        System.out.println();
      }
    } finally {
      jdk.stop(0);
    }
    System.exit(0); // the JDK HTTP server's executor threads would keep the JVM alive
  }

  private static void add(List<Client> clients, String backend, int port, Predicate<String> threads) {
    Request plain = new Request.Builder().url("http://127.0.0.1:" + port + "/items/1").build();
    Request b3 = P1TelemetryWakeups.withUnsampledB3(plain);
    Request pad = plain.newBuilder().header("x-pad", "p".repeat(PAD - "x-pad: \r\n".length())).build();
    clients.add(new Client(backend + " plain", P1Clients.get(new OkHttpClient(), plain), threads, 0));
    clients.add(new Client(backend + " +3 B3 headers", P1Clients.get(new OkHttpClient(), b3), threads,
        headerBytes(b3.headers())));
    clients.add(new Client(backend + " +1 header, " + PAD + " B", P1Clients.get(new OkHttpClient(), pad), threads, PAD));
  }

  /** The bytes {@code headers} take in an HTTP/1.1 request head ({@code name: value\r\n} each). */
  private static int headerBytes(Headers headers) {
    int n = 0;
    for (int i = 0; i < headers.size(); i++) {
      n += headers.name(i).length() + 2 + headers.value(i).length() + 2;
    }
    return n;
  }

  private static long[] threadIds(java.lang.management.ThreadMXBean threads, Predicate<String> name) {
    return Arrays.stream(threads.getThreadInfo(threads.getAllThreadIds())).filter(t -> t != null
        && name.test(t.getThreadName())).mapToLong(ThreadInfo::getThreadId).toArray();
  }

  private static long cpu(java.lang.management.ThreadMXBean threads, long[] ids) {
    long sum = 0;
    for (long id : ids) {
      sum += Math.max(0, threads.getThreadCpuTime(id));
    }
    return sum;
  }

  private static double median(double[][] rounds, int column) {
    return Arrays.stream(rounds).mapToDouble(r -> r[column]).sorted().toArray()[rounds.length / 2];
  }

  /** The median over rounds of ({@code own} − {@code base}) × {@code scale}, with a 95 % interval. */
  private static String paired(double[][] own, double[][] base, int column, double scale) {
    double[] a = new double[own.length];
    double[] b = new double[own.length];
    for (int r = 0; r < own.length; r++) {
      a[r] = own[r][column] * scale;
      b[r] = base[r][column] * scale;
    }
    return P1Interleaved.paired(a, b).strip();
  }
}
