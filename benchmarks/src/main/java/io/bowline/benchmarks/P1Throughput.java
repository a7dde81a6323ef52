package io.bowline.benchmarks;

import io.bowline.runtime.adapter.grpc.BowlineGrpc;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * P1 throughput for a shared machine: gRPC unary calls from {@value #CALLERS} concurrent callers
 * over the plain channel, Bowline's mesh channel and grpc-java's own xDS channel, measured in
 * interleaved windows of {@value #WINDOW_MS} ms (each round gives every channel one window in
 * turn), so load changes during the run hit all three alike. Prints calls per second per channel
 * and the ratio to the plain channel (goal: mesh ≥ 0.97×). Run:
 * {@code java -cp benchmarks/target/benchmarks.jar io.bowline.benchmarks.P1Throughput [rounds]}
 * (default 60 rounds: about 1 minute).
 */
public final class P1Throughput {
  private static final int CALLERS = 16;
  private static final long WINDOW_MS = 300;

  private P1Throughput() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 60;
    double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    ExecutorService callers = Executors.newFixedThreadPool(CALLERS);
    try (EndToEndFixture fixture = new EndToEndFixture()) {
      ManagedChannel plain = NettyChannelBuilder.forAddress("127.0.0.1", fixture.grpc.getPort()).usePlaintext().build();
      ManagedChannel xds = fixture.grpcXdsChannel();
      Map<String, Channel> channels = new LinkedHashMap<>();
      channels.put("plain channel", plain);
      channels.put("Bowline mesh channel", BowlineGrpc.channel(fixture.mesh, EndToEndFixture.GRPC_HOST + ":80"));
      channels.put("grpc-xds xds:/// channel", xds);
      Map<String, long[]> calls = new LinkedHashMap<>();
      channels.keySet().forEach(name -> calls.put(name, new long[1]));
      for (int warm = 0; warm < Math.max(3, rounds / 5); warm++) {
        for (Channel channel : channels.values()) {
          window(callers, channel);
        }
      }
      for (int round = 0; round < rounds; round++) {
        for (Map.Entry<String, Channel> c : channels.entrySet()) {
          calls.get(c.getKey())[0] += window(callers, c.getValue());
        }
      }
      double seconds = rounds * WINDOW_MS / 1000.0;
      double base = calls.get("plain channel")[0] / seconds;
      System.out.printf("%nP1 throughput, %d callers, %d rounds x %d ms windows per channel (%d CPUs, load average %.2f before, %.2f after)%n",
          CALLERS, rounds, WINDOW_MS, Runtime.getRuntime().availableProcessors(), loadBefore,
          ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
      System.out.printf("%-28s %12s %10s%n", "gRPC unary", "calls/s", "vs plain");
      for (Map.Entry<String, long[]> e : calls.entrySet()) {
        double rate = e.getValue()[0] / seconds;
        System.out.printf("%-28s %12.0f %9.3f×%n", e.getKey(), rate, rate / base);
      }
      plain.shutdownNow();
      xds.shutdownNow();
    } finally {
      callers.shutdownNow();
    }
    System.exit(0); // the JDK HTTP server's executor threads would keep the JVM alive
  }

  /** Calls completed by {@value #CALLERS} callers on {@code channel} within one window. */
  private static long window(ExecutorService callers, Channel channel) throws Exception {
    HealthGrpc.HealthBlockingStub stub = HealthGrpc.newBlockingStub(channel);
    long end = System.nanoTime() + WINDOW_MS * 1_000_000;
    List<Future<Long>> done = new ArrayList<>(CALLERS);
    for (int i = 0; i < CALLERS; i++) {
      done.add(callers.submit(() -> {
        long n = 0;
        while (System.nanoTime() - end < 0) {
          stub.check(HealthCheckRequest.getDefaultInstance());
          n++;
        }
        return n;
      }));
    }
    long total = 0;
    for (Future<Long> f : done) {
      total += f.get();
    }
    return total;
  }
}
