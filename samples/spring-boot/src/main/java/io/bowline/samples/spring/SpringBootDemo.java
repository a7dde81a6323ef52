package io.bowline.samples.spring;

import io.bowline.api.MeshClient;
import io.bowline.controlplane.Diagnostic;
import io.bowline.controlplane.LocalControlPlane;
import io.bowline.runtime.RuntimeMeshClient;
import io.bowline.runtime.inbound.InboundMode;
import io.bowline.runtime.inbound.ServerListeners;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The sample in one process: the local control plane serving the sample's Istio YAML
 * ({@code mesh/*.yaml}: the reviews ServiceEntry and DestinationRule, the VirtualService with a
 * header route, a fault and a canary split) plus one WorkloadEntry per running reviews version;
 * reviews v1 and v2 ({@link ReviewsApplication}); the frontend ({@link FrontendApplication}) on
 * the mesh. {@link #close()} stops all of it and deletes the served copy of the YAML.
 *
 * <p>{@code java -jar samples/spring-boot/target/spring-boot-sample-*-demo.jar [frontend port]}
 * runs it until interrupted (Ctrl-C) and prints what to try.
 */
public final class SpringBootDemo implements AutoCloseable {
  private static final List<String> MESH = List.of("reviews.yaml", "reviews-vs.yaml", "reviews-security.yaml");

  private final Path dir;
  private final ConfigurableApplicationContext v1;
  private final ConfigurableApplicationContext v2;
  private LocalControlPlane controlPlane;
  private final int controlPlanePort;
  private final ConfigurableApplicationContext frontend;

  private SpringBootDemo(int frontendPort) throws IOException {
    dir = Files.createTempDirectory("bowline-spring-sample-");
    for (String name : MESH) {
      try (InputStream in = SpringBootDemo.class.getResourceAsStream("/mesh/" + name)) {
        if (in == null) {
          throw new IllegalStateException("the sample's mesh/" + name + " is not on the classpath");
        }
        Files.copy(in, dir.resolve(name));
      }
    }
    controlPlane = LocalControlPlane.builder(dir).port(0).start();
    List<Diagnostic> errors = controlPlane.diagnostics().stream().filter(d -> d.severity() == Diagnostic.Severity.ERROR).toList();
    if (!errors.isEmpty()) {
      controlPlane.close();
      throw new IllegalStateException("the sample's Istio YAML was rejected: " + errors);
    }
    controlPlanePort = controlPlane.port();
    String xds = LocalControlPlane.LOOPBACK + ":" + controlPlanePort;
    v1 = ReviewsApplication.start("v1", xds);
    v2 = ReviewsApplication.start("v2", xds);
    Files.writeString(dir.resolve("reviews-workloads.yaml"), workloadEntry("v1", port(v1)) + "---\n" + workloadEntry("v2", port(v2)));
    awaitStrict(v1);
    awaitStrict(v2);
    frontend = FrontendApplication.start(frontendPort, xds);
  }

  /**
   * Starts the sample; the frontend listens on {@code frontendPort} (0: a free one).
   *
   * @throws IOException if the YAML cannot be copied or the control plane cannot bind its port
   * @throws IllegalStateException if the control plane rejects the sample's YAML (the errors named)
   */
  public static SpringBootDemo start(int frontendPort) throws IOException {
    return new SpringBootDemo(frontendPort);
  }

  /** The frontend's HTTP port. */
  public int frontendPort() {
    return port(frontend);
  }

  /** The HTTPS port of reviews {@code version} ({@code v1}, {@code v2}). */
  public int reviewsPort(String version) {
    return port("v1".equals(version) ? v1 : v2);
  }

  /** The frontend's application context. */
  public ConfigurableApplicationContext frontend() {
    return frontend;
  }

  /** Stops the control plane, as an outage would; the frontend keeps its last configuration. */
  public synchronized void stopControlPlane() {
    if (controlPlane != null) {
      controlPlane.close();
      controlPlane = null;
    }
  }

  /**
   * Starts the control plane again on its port, serving the same YAML.
   *
   * @throws IOException if the port cannot be bound again
   */
  public synchronized void restartControlPlane() throws IOException {
    if (controlPlane == null) {
      controlPlane = LocalControlPlane.builder(dir).port(controlPlanePort).start();
    }
  }

  @Override
  public synchronized void close() {
    frontend.close();
    stopControlPlane();
    v1.close();
    v2.close();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(f);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir, e);
    }
  }

  /** Waits until reviews' mesh client has the server listener of its port, mutual TLS only. */
  private static void awaitStrict(ConfigurableApplicationContext reviews) throws IOException {
    int port = port(reviews);
    ServerListeners listeners = RuntimeMeshClient.of(reviews.getBean(MeshClient.class)).serverListeners();
    try {
      if (!listeners.awaitListener(port, Duration.ofSeconds(60)) || listeners.port(port).mode() != InboundMode.STRICT) {
        throw new IllegalStateException("reviews on port " + port + " got no STRICT server listener from the control "
            + "plane: " + listeners.port(port).mode());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting for reviews' server listener", e);
    }
  }

  private static int port(ConfigurableApplicationContext context) {
    return ((WebServerApplicationContext) context).getWebServer().getPort();
  }

  private static String workloadEntry(String version, int port) {
    return """
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: reviews-%1$s, namespace: default}
        spec:
          address: 127.0.0.1
          ports: {http: %2$d}
          serviceAccount: default
          labels: {app: reviews, version: %1$s, security.istio.io/tlsMode: istio}
        """.formatted(version, port);
  }

  /**
   * Runs the sample until interrupted.
   *
   * @param args optionally the frontend's port (default 8080)
   */
  public static void main(String[] args) throws Exception {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 8080;
    SpringBootDemo demo = start(port);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      demo.close();
      stopped.countDown();
    }, "spring-sample-shutdown"));
    String base = "http://127.0.0.1:" + demo.frontendPort();
    System.out.println("""

        Bowline Spring Boot sample: productpage on %1$s, reviews v1 and v2 routed by the local control plane.
          curl %1$s/productpage                          # 80%% v1, 20%% v2
          curl %1$s/split?n=100                          # the canary split, counted
          curl -H 'end-user: jason' %1$s/productpage     # header route: v2
          curl -H 'x-fault: abort' %1$s/productpage      # fault abort: 503, response flag FI
          curl %1$s/internal                             # AuthorizationPolicy DENY: 403 RBAC: access denied
          curl %1$s/actuator/health                      # bowline: xDS connected, versions ACKed
          curl %1$s/actuator/bowline                     # config dump, clusters, endpoint health
        Ctrl-C stops it.
        """.formatted(base));
    stopped.await();
  }
}
