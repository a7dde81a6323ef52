package io.bowline.benchmarks;

import com.sun.net.httpserver.HttpServer;
import io.bowline.api.MeshClient;
import io.bowline.runtime.adapter.okhttp.BowlineOkHttp;
import io.bowline.controlplane.LocalControlPlane;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Cold start: a new JVM, from process start to the response of its first routed call, against the
 * local control plane on loopback (the same ServiceEntry + WorkloadEntry as {@link StartupBenchmark},
 * whose figure is the warm one: {@code build()} to first response in a JVM that has done it before).
 * Each child JVM builds a {@link MeshClient}, makes one call to {@code http://ratings:9080/} and
 * prints how long after its own start that response came; the parent also times process start to
 * that line. Run: {@code java -cp benchmarks/target/benchmarks.jar io.bowline.benchmarks.ColdStart [runs]}.
 */
public final class ColdStart {
  private ColdStart() {}

  /**
   * Parent: starts the backend and control plane, then {@code runs} child JVMs one after another.
   *
   * @param args {@code [runs]} (default 10), or {@code child PORT} in a child JVM
   * @throws Exception if a child fails or is not routed
   */
  public static void main(String[] args) throws Exception {
    if (args.length == 2 && args[0].equals("child")) {
      child(Integer.parseInt(args[1]));
      return;
    }
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    HttpServer backend = StartupBenchmark.ratingsBackend();
    Path config = Files.createTempDirectory("bowline-cold-start");
    Files.writeString(config.resolve("ratings.yaml"), StartupBenchmark.ratingsConfig(backend.getAddress().getPort()));
    long[] processToFirst = new long[runs];
    long[] uptimeAtFirst = new long[runs];
    long[] buildToFirst = new long[runs];
    try (LocalControlPlane controlPlane = LocalControlPlane.start(config, 0)) {
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      for (int i = 0; i < runs; i++) {
        List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
            ColdStart.class.getName(), "child", Integer.toString(controlPlane.port())));
        long start = System.nanoTime();
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        processToFirst[i] = (System.nanoTime() - start) / 1_000_000;
        if (line == null || !line.startsWith("routed ")) {
          throw new IllegalStateException("child " + i + " was not routed: " + line);
        }
        String[] ms = line.substring("routed ".length()).split(" ");
        uptimeAtFirst[i] = Long.parseLong(ms[0]);
        buildToFirst[i] = Long.parseLong(ms[1]);
        process.waitFor();
      }
    } finally {
      backend.stop(0);
      Files.deleteIfExists(config.resolve("ratings.yaml"));
      Files.deleteIfExists(config);
    }
    System.out.printf("%d cold JVMs (%s %s), ms: median [min, max]%n", runs, System.getProperty("java.vm.name"),
        System.getProperty("java.version"));
    System.out.printf("process start -> first routed response: %s%n", summary(processToFirst));
    System.out.printf("JVM uptime at first routed response:    %s%n", summary(uptimeAtFirst));
    System.out.printf("build() -> first routed response:       %s%n", summary(buildToFirst));
  }

  private static void child(int xdsPort) throws IOException {
    long build = ManagementFactory.getRuntimeMXBean().getUptime();
    try (MeshClient mesh = MeshClient.builder()
        .workload("cold-start", "default")
        .xdsServer("127.0.0.1:" + xdsPort)
        .build()) {
      OkHttpClient http = BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
      try (Response r = http.newCall(new Request.Builder().url("http://ratings:9080/").build()).execute()) {
        String body = r.body().string();
        long first = ManagementFactory.getRuntimeMXBean().getUptime();
        if (!body.equals("ratings")) {
          System.out.println("not routed: " + r.code() + " " + body);
        } else {
          System.out.println("routed " + first + " " + (first - build));
        }
        System.out.flush();
      }
    }
  }

  private static String summary(long[] ms) {
    long[] sorted = ms.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2] + " [" + sorted[0] + ", " + sorted[sorted.length - 1] + "]";
  }
}
