package io.bowline.benchmarks;

import com.sun.net.httpserver.HttpServer;
import io.bowline.api.MeshClient;
import io.bowline.controlplane.LocalControlPlane;
import io.bowline.runtime.adapter.okhttp.BowlineOkHttp;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Startup: from {@code MeshClient.builder()...build()} to the response of the first routed call
 * ({@code http://ratings:9080/}), against the local control plane on loopback serving a
 * ServiceEntry + WorkloadEntry for a JDK HTTP backend. Each invocation uses a new workload name,
 * so it opens its own ADS stream and fetches LDS, CDS, RDS and EDS from scratch. Single-shot
 * times; JMH reports the distribution (p0.50 is the median). Target: at most 150 ms.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5)
@Measurement(iterations = 20)
@Fork(1)
@State(Scope.Benchmark)
public class StartupBenchmark {
  private final AtomicInteger invocation = new AtomicInteger();
  private HttpServer backend;
  private Path config;
  private LocalControlPlane controlPlane;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    backend = ratingsBackend();
    config = Files.createTempDirectory("bowline-startup");
    Files.writeString(config.resolve("ratings.yaml"), ratingsConfig(backend.getAddress().getPort()));
    controlPlane = LocalControlPlane.start(config, 0);
  }

  /**
   * The backend both startup measurements route to: answers {@code ratings} on 127.0.0.1.
   *
   * @return the started server
   * @throws IOException if it cannot bind
   */
  static HttpServer ratingsBackend() throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      byte[] body = "ratings".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
    return server;
  }

  /**
   * The Istio YAML both startup measurements serve: a ServiceEntry {@code ratings} and one
   * WorkloadEntry on loopback.
   *
   * @param backendPort the backend's port on 127.0.0.1
   * @return the file's text
   */
  static String ratingsConfig(int backendPort) {
    return """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata:
          name: ratings
          namespace: default
        spec:
          hosts:
          - ratings.default.svc.cluster.local
          ports:
          - number: 9080
            name: http
            protocol: HTTP
          location: MESH_INTERNAL
          resolution: STATIC
          workloadSelector:
            labels:
              app: ratings
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata:
          name: ratings-v1
          namespace: default
        spec:
          address: 127.0.0.1
          ports:
            http: %d
          labels:
            app: ratings
            version: v1
        """.formatted(backendPort);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    controlPlane.close();
    backend.stop(0);
    try (Stream<Path> files = Files.walk(config)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Benchmark
  public String buildToFirstRoutedCall() throws IOException {
    try (MeshClient mesh = MeshClient.builder()
        .workload("startup-" + invocation.incrementAndGet(), "default")
        .xdsServer("127.0.0.1:" + controlPlane.port())
        .build()) {
      OkHttpClient http = BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
      try (Response r = http.newCall(new Request.Builder().url("http://ratings:9080/").build()).execute()) {
        String body = r.body().string();
        if (!body.equals("ratings")) {
          throw new IllegalStateException("not routed to the backend: " + r.code() + " " + body);
        }
        return body;
      }
    }
  }
}
