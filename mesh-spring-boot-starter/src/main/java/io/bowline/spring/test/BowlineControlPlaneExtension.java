package io.bowline.spring.test;

import io.bowline.api.ClientStatus;
import io.bowline.api.MeshClient;
import io.bowline.controlplane.Diagnostic;
import io.bowline.controlplane.LocalControlPlane;
import io.bowline.controlplane.translate.ClientView;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * A JUnit 5 extension that serves Istio YAML to the application under test: before the class's
 * tests it copies a directory of Istio YAML ({@code ServiceEntry}, {@code WorkloadEntry},
 * {@code DestinationRule}, {@code VirtualService}) to a temporary directory and starts Bowline's
 * {@link LocalControlPlane} on it on a free loopback port; after them it stops it and deletes the
 * copy. {@link #register} points a Spring test's application at it; {@link #apply} changes the
 * configuration live, as a {@code kubectl apply} would.
 *
 * <pre>{@code
 * @SpringBootTest(webEnvironment = RANDOM_PORT)
 * class CheckoutRoutingTest {
 *   @RegisterExtension
 *   static BowlineControlPlaneExtension mesh = BowlineControlPlaneExtension.serving(Path.of("src/test/mesh"));
 *
 *   @DynamicPropertySource
 *   static void bowline(DynamicPropertyRegistry registry) {
 *     mesh.register(registry);
 *   }
 * }
 * }</pre>
 */
public final class BowlineControlPlaneExtension implements BeforeAllCallback, AfterAllCallback {
  private static final String[] TYPES = {"type.googleapis.com/envoy.config.listener.v3.Listener",
      "type.googleapis.com/envoy.config.route.v3.RouteConfiguration", "type.googleapis.com/envoy.config.cluster.v3.Cluster",
      "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment"};

  private final Path source;
  private Path dir;
  private LocalControlPlane controlPlane;
  private int stoppedPort;

  private Duration certTtl;

  private BowlineControlPlaneExtension(Path source) {
    this.source = source;
  }

  /**
   * @param istioYaml a directory of Istio YAML files ({@code *.yaml}, {@code *.yml}), or {@code null}
   *     to start from an empty configuration
   * @return the extension; register it with {@code @RegisterExtension} on a static field
   */
  public static BowlineControlPlaneExtension serving(Path istioYaml) {
    return new BowlineControlPlaneExtension(istioYaml);
  }

  /** @return an extension that starts from an empty configuration, for tests that {@link #apply} their own */
  public static BowlineControlPlaneExtension empty() {
    return new BowlineControlPlaneExtension(null);
  }

  /**
   * Sets the longest lifetime of the workload certificates the control plane's CA issues (Istio's default: 24 h),
   * for tests of certificate rotation.
   *
   * @param ttl a positive duration
   * @return this extension
   */
  public BowlineControlPlaneExtension certTtl(Duration ttl) {
    this.certTtl = ttl;
    return this;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    dir = Files.createTempDirectory("bowline-istio-");
    if (source != null) {
      if (!Files.isDirectory(source)) {
        throw new IllegalArgumentException("Istio YAML directory not found: " + source.toAbsolutePath());
      }
      try (Stream<Path> files = Files.list(source)) {
        for (Path f : (Iterable<Path>) files.filter(BowlineControlPlaneExtension::yaml)::iterator) {
          Files.copy(f, dir.resolve(f.getFileName()));
        }
      }
    }
    LocalControlPlane.Builder builder = LocalControlPlane.builder(dir).port(0).debounce(Duration.ofMillis(50));
    if (certTtl != null) {
      builder.certTtl(certTtl);
    }
    controlPlane = builder.start();
    failOnErrors("loading " + (source == null ? "an empty configuration" : source));
  }

  @Override
  public void afterAll(ExtensionContext context) throws IOException {
    if (controlPlane != null) {
      controlPlane.close();
      controlPlane = null;
    }
    if (dir != null) {
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path f : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
          Files.deleteIfExists(f);
        }
      }
      dir = null;
    }
  }

  /** The control plane's {@code host:port}, for {@code bowline.xds.servers}. */
  public String xdsServer() {
    return LocalControlPlane.LOOPBACK + ":" + (stoppedPort != 0 ? stoppedPort : started().port());
  }

  /** The running control plane. */
  public LocalControlPlane controlPlane() {
    return started();
  }

  /**
   * Sets {@code bowline.xds.servers} to this control plane (call from a {@code @DynamicPropertySource} method).
   *
   * @param registry the test's dynamic properties
   */
  public void register(DynamicPropertyRegistry registry) {
    registry.add("bowline.xds.servers", this::xdsServer);
  }

  /**
   * Stops the control plane (the served directory stays), as a control-plane outage would: the
   * application keeps routing with its last configuration. {@link #restart()} brings it back.
   */
  public void stop() {
    stoppedPort = started().port();
    controlPlane.close();
  }

  /**
   * Starts the control plane again on the same port with the same directory.
   *
   * @throws IOException if the port cannot be bound again
   */
  public void restart() throws IOException {
    if (stoppedPort == 0) {
      throw new IllegalStateException("the control plane was not stopped");
    }
    controlPlane = LocalControlPlane.builder(dir).port(stoppedPort).debounce(Duration.ofMillis(50)).start();
    stoppedPort = 0;
  }

  /**
   * Writes (or replaces) one Istio YAML file of the served directory and publishes the result.
   *
   * @param fileName e.g. {@code reviews-vs.yaml}
   * @param yaml its content
   * @return the version published
   * @throws IllegalStateException if the configuration has errors (they are named); the previous
   *     configuration keeps serving
   */
  public String apply(String fileName, String yaml) {
    try {
      Files.writeString(started().configDir().resolve(fileName), yaml);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + fileName, e);
    }
    controlPlane.reload();
    failOnErrors(fileName);
    return controlPlane.published().version();
  }

  /**
   * Removes one file of the served directory and publishes the result.
   *
   * @param fileName the file {@link #apply} wrote or the directory had
   * @return the version published
   */
  public String delete(String fileName) {
    try {
      Files.deleteIfExists(started().configDir().resolve(fileName));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + fileName, e);
    }
    controlPlane.reload();
    failOnErrors(fileName);
    return controlPlane.published().version();
  }

  /**
   * Waits until {@code mesh} has the whole configuration last published: the control plane serves
   * its view (namespace and labels) that publish, and the client has accepted every type's version
   * served to it.
   *
   * @throws TimeoutException if it has not within {@code timeout}
   * @throws InterruptedException if interrupted while waiting
   */
  public void awaitConfiguration(MeshClient mesh, Duration timeout) throws TimeoutException, InterruptedException {
    // the control plane groups a Bowline runtime (node user agent bowline) as a sidecar with auto-mTLS
    ClientView view = ClientView.sidecar(mesh.workload().namespace(), mesh.workload().labels(), "", true);
    long deadline = System.nanoTime() + timeout.toNanos();
    CountDownLatch[] update = {new CountDownLatch(1)};
    Runnable remove = mesh.onConfigUpdate(() -> update[0].countDown());
    try {
      while (!applied(mesh, view)) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new TimeoutException("the mesh client has not accepted publish " + started().published().version()
              + " within " + timeout + ": it has " + mesh.status().acceptedVersions());
        }
        CountDownLatch latch = new CountDownLatch(1);
        update[0] = latch;
        // the server side (which publish the view is served) moves without a client update: look again soon
        latch.await(Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, 50), TimeUnit.MILLISECONDS);
      }
    } finally {
      remove.run();
    }
  }

  private boolean applied(MeshClient mesh, ClientView view) {
    LocalControlPlane cp = started();
    if (!cp.published().version().equals(cp.servedPublish(view))) {
      return false;
    }
    ClientStatus status = mesh.status();
    for (String type : TYPES) {
      if (parse(status.versionOf(type)) < parse(cp.servedVersion(view, type))) {
        return false;
      }
    }
    return true;
  }

  private static long parse(String version) {
    try {
      return version.isEmpty() ? -1 : Long.parseLong(version);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private LocalControlPlane started() {
    if (controlPlane == null) {
      throw new IllegalStateException("the control plane is not running: register the extension with @RegisterExtension on a static field");
    }
    return controlPlane;
  }

  private void failOnErrors(String what) {
    List<Diagnostic> errors = controlPlane.diagnostics().stream()
        .filter(d -> d.severity() == Diagnostic.Severity.ERROR).toList();
    if (!errors.isEmpty()) {
      throw new IllegalStateException("Istio configuration rejected after " + what + ": " + errors);
    }
  }

  private static boolean yaml(Path f) {
    String n = f.getFileName().toString();
    return Files.isRegularFile(f) && (n.endsWith(".yaml") || n.endsWith(".yml"));
  }
}
