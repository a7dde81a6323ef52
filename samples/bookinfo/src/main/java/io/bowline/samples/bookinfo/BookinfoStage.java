package io.bowline.samples.bookinfo;

import io.bowline.controlplane.LocalControlPlane;
import io.bowline.controlplane.server.ViewServedListener;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A running Bookinfo on a local control plane that watches a temporary config directory, and the
 * way steps change its config: swap files in, wait until every workload has ACKed them (woken by
 * the control plane's reloads and the clients' config updates, no polling).
 * {@link #close()} stops the probe, the services and the control plane, and deletes the directory.
 */
final class BookinfoStage implements AutoCloseable {
  private final ConfigDirectory configDirectory;
  private final LocalControlPlane controlPlane;
  private final BookinfoApp app;
  private final TrafficProbe probe;
  private final ConfigFile registration;
  private final ChangeSignal changes;

  private BookinfoStage(ConfigDirectory configDirectory, LocalControlPlane controlPlane, BookinfoApp app,
      TrafficProbe probe, ChangeSignal changes) {
    this.changes = changes;
    this.configDirectory = configDirectory;
    this.controlPlane = controlPlane;
    this.app = app;
    this.probe = probe;
    this.registration = ServiceRegistry.file(app.instances());
  }

  /**
   * Starts the control plane (on an ephemeral port), the six Bookinfo workloads connected to it and
   * a probe for productpage.
   *
   * @throws IOException if a server cannot start or the directory cannot be created
   */
  static BookinfoStage start() throws IOException {
    return start((view, publish) -> { });
  }

  /**
   * As {@link #start()}, telling {@code onViewServed} each time the control plane serves a client
   * view a new snapshot, on its serving thread.
   */
  static BookinfoStage start(ViewServedListener onViewServed) throws IOException {
    ConfigDirectory configDirectory = ConfigDirectory.createTemporary();
    ChangeSignal changes = new ChangeSignal();
    LocalControlPlane controlPlane = null;
    BookinfoApp app = null;
    try {
      controlPlane = LocalControlPlane.builder(configDirectory.path()).port(0)
          .onReload((published, served, diagnostics) -> changes.signal())
          .onViewServed(onViewServed)
          .start();
      app = BookinfoApp.start("127.0.0.1:" + controlPlane.port());
      app.workloads().forEach(w -> w.mesh().onConfigUpdate(changes::signal));
      return new BookinfoStage(configDirectory, controlPlane, app, new TrafficProbe(app.productPagePort()), changes);
    } catch (IOException | RuntimeException e) {
      if (app != null) {
        app.close();
      }
      if (controlPlane != null) {
        controlPlane.close();
      }
      configDirectory.delete();
      throw e;
    }
  }

  LocalControlPlane controlPlane() {
    return controlPlane;
  }

  BookinfoApp app() {
    return app;
  }

  TrafficProbe probe() {
    return probe;
  }

  /**
   * Makes the config directory hold exactly the workload registration plus {@code stepFiles}, and
   * waits until every workload has ACKed the result.
   *
   * @param step the step's name, for messages
   * @return the control plane's config version every workload ACKed
   * @throws StepFailedException if the control plane reports errors or the config does not reach
   *     every workload within {@code timeout}
   * @throws IOException if the directory cannot be written
   * @throws InterruptedException if interrupted while waiting
   */
  String rollOut(String step, List<ConfigFile> stepFiles, Duration timeout)
      throws StepFailedException, IOException, InterruptedException {
    write(stepFiles);
    return awaitInEffect(step, stepFiles, timeout);
  }

  /**
   * Makes the config directory hold exactly the workload registration plus {@code stepFiles},
   * without waiting.
   *
   * @throws IOException if the directory cannot be written
   */
  void write(List<ConfigFile> stepFiles) throws IOException {
    configDirectory.apply(withRegistration(stepFiles));
  }

  /**
   * Waits until the config of {@code stepFiles} is in effect at every workload (see
   * {@link ConfigSync}).
   *
   * @return the control plane's config version every workload ACKed
   * @throws StepFailedException if the control plane reports errors or the config does not reach
   *     every workload within {@code timeout}
   * @throws InterruptedException if interrupted while waiting
   */
  String awaitInEffect(String step, List<ConfigFile> stepFiles, Duration timeout)
      throws StepFailedException, InterruptedException {
    return ConfigSync.await(step, controlPlane, changes, servedFiles(stepFiles), app.workloads(), timeout);
  }

  /** The sorted file names the control plane serves once {@code stepFiles} are rolled out. */
  List<String> servedFiles(List<ConfigFile> stepFiles) {
    return withRegistration(stepFiles).stream().map(ConfigFile::name).sorted().toList();
  }

  private List<ConfigFile> withRegistration(List<ConfigFile> stepFiles) {
    List<ConfigFile> files = new ArrayList<>();
    files.add(registration);
    files.addAll(stepFiles);
    return files;
  }

  @Override
  public void close() throws IOException {
    try {
      probe.close();
      app.close();
      controlPlane.close();
    } finally {
      configDirectory.delete();
    }
  }
}
