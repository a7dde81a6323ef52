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
 * the control plane's reloads and the clients' config updates, no polling). Started
 * {@linkplain #startWithGateway with the ingress gateway}, every step's config also holds the Gateway file, the
 * gateway is waited for like a workload, and the probe requests the page through it (from outside the mesh).
 * {@link #close()} stops the probe, the gateway, the services and the control plane, and deletes the directory.
 */
final class BookinfoStage implements AutoCloseable {
  private final ConfigDirectory configDirectory;
  private final LocalControlPlane controlPlane;
  private final BookinfoApp app;
  private final TrafficProbe probe;
  private final ConfigFile registration;
  private final ChangeSignal changes;
  /** The ingress gateway and its Gateway file, or {@code null} when the stage has none. */
  private final IngressGateway gateway;
  private final ConfigFile gatewayFile;
  /** The mesh caller outside Bookinfo ({@code sleep}), or {@code null} when the stage has none. */
  private MeshCaller caller;
  /** The probe through the gateway, made once the gateway's listener is bound. */
  private TrafficProbe frontDoor;

  private BookinfoStage(ConfigDirectory configDirectory, LocalControlPlane controlPlane, BookinfoApp app,
      ChangeSignal changes, IngressGateway gateway, ConfigFile gatewayFile) {
    this.changes = changes;
    this.configDirectory = configDirectory;
    this.controlPlane = controlPlane;
    this.app = app;
    this.probe = new TrafficProbe(app.productPagePort());
    this.registration = ServiceRegistry.file(app.instances());
    this.gateway = gateway;
    this.gatewayFile = gatewayFile;
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
    return start(onViewServed, null);
  }

  /**
   * As {@link #start()}, with the ingress gateway: {@code gatewayFile} (Istio's {@code bookinfo-gateway.yaml}) is
   * part of every step's config, and {@link #probe()} requests the page through the gateway.
   */
  static BookinfoStage startWithGateway(ConfigFile gatewayFile) throws IOException {
    return start((view, publish) -> { }, gatewayFile);
  }

  private static BookinfoStage start(ViewServedListener onViewServed, ConfigFile gatewayFile) throws IOException {
    ConfigDirectory configDirectory = ConfigDirectory.createTemporary();
    ChangeSignal changes = new ChangeSignal();
    LocalControlPlane controlPlane = null;
    BookinfoApp app = null;
    IngressGateway gateway = null;
    try {
      controlPlane = LocalControlPlane.builder(configDirectory.path()).port(0)
          .onReload((published, served, diagnostics) -> changes.signal())
          .onViewServed(onViewServed)
          .start();
      app = BookinfoApp.start("127.0.0.1:" + controlPlane.port());
      app.workloads().forEach(w -> w.mesh().onConfigUpdate(changes::signal));
      if (gatewayFile != null) {
        gateway = IngressGateway.start("127.0.0.1:" + controlPlane.port());
        gateway.mesh().onConfigUpdate(changes::signal);
      }
      return new BookinfoStage(configDirectory, controlPlane, app, changes, gateway, gatewayFile);
    } catch (IOException | RuntimeException e) {
      if (gateway != null) {
        gateway.close();
      }
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

  /**
   * As {@link #start()}, with a mesh caller outside Bookinfo ({@link MeshCaller}) that steps also wait for.
   *
   * @throws IOException if a server cannot start or the directory cannot be created
   */
  static BookinfoStage startWithCaller() throws IOException {
    BookinfoStage stage = start();
    try {
      stage.caller = MeshCaller.start("127.0.0.1:" + stage.controlPlane.port());
      stage.caller.mesh().onConfigUpdate(stage.changes::signal);
      return stage;
    } catch (RuntimeException e) {
      stage.close();
      throw e;
    }
  }

  /** The mesh caller ({@link #startWithCaller()}). */
  MeshCaller caller() {
    if (caller == null) {
      throw new IllegalStateException("this stage was started without a mesh caller");
    }
    return caller;
  }

  LocalControlPlane controlPlane() {
    return controlPlane;
  }

  BookinfoApp app() {
    return app;
  }

  /**
   * The probe: through the ingress gateway when the stage has one (available once a step's config is in effect),
   * else straight from productpage's port.
   */
  TrafficProbe probe() {
    if (gateway == null) {
      return probe;
    }
    if (frontDoor == null) {
      throw new IllegalStateException("the ingress gateway serves nothing before the first step's config is in effect");
    }
    return frontDoor;
  }

  /** The loopback port of the ingress gateway's listener, or -1 without a gateway or before it is bound. */
  int gatewayPort() {
    return frontDoor == null ? -1 : frontDoor.port();
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
    String version = ConfigSync.await(step, controlPlane, changes, servedFiles(stepFiles), members(), timeout);
    if (gateway != null && frontDoor == null) {
      frontDoor = new TrafficProbe(gateway.awaitPort(step, timeout));
    }
    return version;
  }

  /** The mesh clients a step waits for: the workloads, then the ingress gateway if the stage has one. */
  List<MeshMember> members() {
    List<MeshMember> members = new ArrayList<>(app.workloads());
    if (gateway != null) {
      members.add(gateway);
    }
    if (caller != null) {
      members.add(caller);
    }
    return members;
  }

  /** The sorted file names the control plane serves once {@code stepFiles} are rolled out. */
  List<String> servedFiles(List<ConfigFile> stepFiles) {
    return withRegistration(stepFiles).stream().map(ConfigFile::name).sorted().toList();
  }

  private List<ConfigFile> withRegistration(List<ConfigFile> stepFiles) {
    List<ConfigFile> files = new ArrayList<>();
    files.add(registration);
    if (gatewayFile != null) {
      files.add(gatewayFile);
    }
    files.addAll(stepFiles);
    return files;
  }

  @Override
  public void close() throws IOException {
    try {
      probe.close();
      if (frontDoor != null) {
        frontDoor.close();
      }
      if (gateway != null) {
        gateway.close();
      }
      if (caller != null) {
        caller.close();
      }
      app.close();
      controlPlane.close();
    } finally {
      configDirectory.delete();
    }
  }
}
