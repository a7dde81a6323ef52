package io.bowline.controlplane;

import io.bowline.controlplane.ca.LocalCertificateAuthority;
import io.bowline.controlplane.istio.HostResolver;
import io.bowline.controlplane.istio.IstioConfig;
import io.bowline.controlplane.istio.IstioConfigCache;
import io.bowline.controlplane.istio.IstioConfigLoader;
import io.bowline.controlplane.istio.WorkloadEntry;
import io.bowline.controlplane.server.AckLedger;
import io.bowline.controlplane.server.DirectoryWatcher;
import io.bowline.controlplane.server.ServerLimits;
import io.bowline.controlplane.server.ViewServedListener;
import io.bowline.controlplane.server.XdsSnapshotServer;
import io.bowline.controlplane.translate.ClientView;
import io.bowline.controlplane.translate.IncrementalTranslator;
import io.bowline.controlplane.translate.XdsResources;
import io.bowline.controlplane.translate.XdsTranslator;
import io.bowline.tls.LocalCa;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bowline's local control plane: serves a directory of Istio YAML (ServiceEntry, WorkloadEntry,
 * DestinationRule, VirtualService) as Envoy xDS v3 over ADS, named as istiod names it, and republishes on
 * every change of the directory without a restart.
 *
 * <p>A reload reads every {@code *.yaml}/{@code *.yml} file of the directory in sorted order (re-parsing only
 * the files whose time, size or content changed, see {@link IstioConfigCache}), translates
 * them and, if nothing is an error, publishes a new snapshot whose version is the next number
 * ({@code "1"}, {@code "2"}, ...). With any error the previous snapshot keeps serving and
 * {@link #diagnostics()} says what is wrong (file, resource, field). Before the first successful load an
 * empty snapshot of version {@code "0"} is served. Each client view (node metadata {@code NAMESPACE} and
 * {@code LABELS}) gets the configuration translated for it; each type is pushed only when it changed.
 *
 * <p>Thread-safe. Close it to stop the server and the directory watch.
 */
public final class LocalControlPlane implements AutoCloseable {

  /** The loopback address the server binds by default. */
  public static final String LOOPBACK = "127.0.0.1";

  private static final String INITIAL_VERSION = "0";
  private static final Logger log = LoggerFactory.getLogger(LocalControlPlane.class);
  private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

  private final Path configDir;
  private final IstioConfigCache files;
  private final IncrementalTranslator translator;
  private final ReloadListener listener;
  /** Whether warnings reject a reload as errors do ({@code serve --strict}). */
  private final boolean strict;
  private final XdsSnapshotServer server;
  private final WorkloadRegistry registry = new WorkloadRegistry(this::publishRegistered);
  private IstioConfig loaded = IstioConfig.empty();
  private DirectoryWatcher watcher;
  private long version;
  private volatile Published published;
  private volatile List<Diagnostic> diagnostics = List.of();
  private volatile ReloadTimings lastTimings = ReloadTimings.NONE;
  private volatile IstioConfig served = loaded;
  private volatile LocalCertificateAuthority certificateAuthority;

  private LocalControlPlane(Builder builder, XdsSnapshotServer server) {
    this.configDir = builder.configDir;
    this.files = new IstioConfigCache(builder.configDir);
    this.translator = new IncrementalTranslator(new XdsTranslator(builder.clusterDomain));
    this.listener = builder.listener;
    this.strict = builder.strict;
    this.server = server;
    this.published = new Published(INITIAL_VERSION, List.of(), Instant.now());
  }

  /**
   * Binds {@code 127.0.0.1:port}, loads the directory once (if that fails it serves an empty configuration
   * of version {@code "0"} and keeps the diagnostics), then watches it.
   *
   * @param configDir the directory of Istio YAML files
   * @param port the TCP port; 0 picks a free one (see {@link #port()})
   * @throws IOException if the port cannot be bound, or the directory does not exist or cannot be watched
   */
  public static LocalControlPlane start(Path configDir, int port) throws IOException {
    return builder(configDir).port(port).start();
  }

  /** A builder for the options {@link #start(Path, int)} does not expose. */
  public static Builder builder(Path configDir) {
    return new Builder(configDir);
  }

  /** The TCP port the xDS server listens on. */
  public int port() {
    return server.port();
  }

  /** The directory served. */
  public Path configDir() {
    return configDir;
  }

  /**
   * What is published: recorded before the client views are served, one after the other, so a client that
   * already has the push never sees an older version here. Whether a view is served this publish yet is
   * {@link #servedPublish}.
   */
  public Published published() {
    return published;
  }

  /** Diagnostics (errors, warnings, info) of the last reload attempt. */
  public List<Diagnostic> diagnostics() {
    return diagnostics;
  }

  /**
   * The version of {@code typeUrl} served to clients of {@code view}: the publish number in which that type
   * last changed for them ({@code ""} before such a client connected).
   */
  public String servedVersion(ClientView view, String typeUrl) {
    return server.servedVersion(view, typeUrl);
  }

  /**
   * The version of the publish whose translation clients of {@code view} are served now ({@code ""} before
   * such a client connected). It lags {@link #published()} while a publish is serving the views one after
   * the other, and stays behind for a view whose translation has errors. A client has the whole current
   * configuration once this equals {@code published().version()} and it ACKed every type's
   * {@link #servedVersion}.
   */
  public String servedPublish(ClientView view) {
    return server.servedPublish(view);
  }

  /** When the phases of the last publish (successful or not) ended. */
  public ReloadTimings lastTimings() {
    return lastTimings;
  }

  /** What clients ACKed and NACKed (NACKs are also logged as warnings). */
  public AckLedger acks() {
    return server.acks();
  }

  /**
   * Re-reads the directory now (the watcher calls the same).
   *
   * @return true if a new snapshot was published; false if the configuration has errors, in which case
   *     the previous snapshot keeps serving
   */
  public synchronized boolean reload() {
    return reload(0);
  }

  /** Reloads after the watch saw a change at {@code changeSeenNanos} (0: not caused by the watch). */
  private synchronized boolean reload(long changeSeenNanos) {
    long start = System.nanoTime();
    long cpuStart = CPU.getCurrentThreadCpuTime();
    try {
      loaded = files.load();
      long loadedAt = System.nanoTime();
      if (log.isDebugEnabled()) {
        log.debug("loaded {} in {} ms ({} ms CPU)", configDir, (loadedAt - start) / 1_000_000,
            (CPU.getCurrentThreadCpuTime() - cpuStart) / 1_000_000);
      }
      return publish(changeSeenNanos, start, loadedAt);
    } catch (RuntimeException | StackOverflowError e) {
      // A bug of ours on some input: reject this reload as any bad configuration is rejected.
      log.error("reload of {} failed; version {} keeps serving", configDir, published.version(), e);
      diagnostics = List.of(new Diagnostic(Diagnostic.Severity.ERROR, DiagnosticCode.INTERNAL_ERROR.id(), "",
          0, 0, "", "", "", "", "internal error while reloading the configuration ("
              + e.getClass().getSimpleName() + "); version " + published.version() + " keeps serving"));
      listener.onReload(false, published, diagnostics);
      return false;
    }
  }

  /**
   * Workloads registered from Java; each change is published at once, as a file change would be.
   */
  public WorkloadRegistry registry() {
    return registry;
  }

  /**
   * The CA serving Istio's {@code CreateCertificate} on loopback (whatever the xDS bind address: its token
   * stays on the machine) for the identities the served configuration declares
   * (see {@link LocalCertificateAuthority}); its address and token are published in {@link LocalCa}'s directory.
   */
  public LocalCertificateAuthority certificateAuthority() {
    return certificateAuthority;
  }

  private synchronized boolean publishRegistered() {
    long now = System.nanoTime();
    return publish(0, now, now);
  }

  /** Translates the last loaded files plus the registered workloads; publishes unless there are errors. */
  private synchronized boolean publish(long changeSeenNanos, long startNanos, long loadedNanos) {
    IstioConfig files = loaded;
    List<WorkloadEntry> workloads = new ArrayList<>(files.workloadEntries());
    workloads.addAll(registry.entries());
    IstioConfig config = files.withWorkloadEntries(workloads);
    long start = System.nanoTime();
    long cpuStart = CPU.getCurrentThreadCpuTime();
    XdsResources resources = translator.translate(config, ClientView.DEFAULT);
    List<Diagnostic> found = strict ? Diagnostic.strict(resources.diagnostics()) : resources.diagnostics();
    boolean ok = found.stream().noneMatch(Diagnostic::isError);
    Map<ClientView, XdsResources> byView = new HashMap<>();
    byView.put(ClientView.DEFAULT, resources);
    if (ok) {
      // every connected view now, so that serving below only serves; views connecting later are translated then
      server.views().forEach(view -> byView.computeIfAbsent(view, v -> translator.translate(config, v)));
    }
    long translated = System.nanoTime();
    long cpuTranslated = CPU.getCurrentThreadCpuTime();
    if (ok) {
      String next = Long.toString(++version);
      // recorded before serving, so a client that already has the push never sees an older published()
      published = new Published(next, config.files(), Instant.now());
      served = config;
      server.publish(view -> {
        XdsResources translatedForView = byView.get(view);
        return translatedForView != null ? translatedForView : translator.translate(config, view);
      }, next);
    }
    if (log.isDebugEnabled()) {
      log.debug("translated in {} ms ({} ms CPU), served to {} client views in {} ms ({} ms CPU)",
          (translated - start) / 1_000_000, (cpuTranslated - cpuStart) / 1_000_000, server.views().size(),
          (System.nanoTime() - translated) / 1_000_000,
          (CPU.getCurrentThreadCpuTime() - cpuTranslated) / 1_000_000);
    }
    lastTimings = new ReloadTimings(changeSeenNanos, startNanos, loadedNanos, translated, System.nanoTime());
    diagnostics = found;
    listener.onReload(ok, published, diagnostics);
    return ok;
  }

  private void reloadWatched() {
    DirectoryWatcher current;
    synchronized (this) {
      current = watcher;
    }
    reload(current == null ? 0 : current.changeSeenNanos());
  }

  /** Stops watching the directory and stops the xDS server (open streams are closed). Idempotent. */
  @Override
  public void close() {
    DirectoryWatcher current;
    synchronized (this) {
      current = watcher;
      watcher = null;
    }
    if (current != null) {
      current.close();
    }
    LocalCertificateAuthority ca = certificateAuthority;
    if (ca != null) {
      ca.close();
    }
    server.close();
  }

  private void watch(Duration debounce) throws IOException {
    DirectoryWatcher started =
        DirectoryWatcher.start(configDir, IstioConfigLoader::isConfigFileName, debounce, this::reloadWatched);
    synchronized (this) {
      watcher = started;
    }
  }

  /** Options of a {@link LocalControlPlane}; {@link #start()} starts it. */
  public static final class Builder {

    private final Path configDir;
    private String bindAddress = LOOPBACK;
    private int port;
    private String clusterDomain = HostResolver.DEFAULT_CLUSTER_DOMAIN;
    private Duration debounce = DirectoryWatcher.DEFAULT_DEBOUNCE;
    private ReloadListener listener = (publishedNew, served, diagnostics) -> { };
    private ViewServedListener viewServedListener = (view, publish) -> { };
    private boolean strict;
    private ServerLimits serverLimits = ServerLimits.DEFAULT;
    private String trustDomain = LocalCertificateAuthority.DEFAULT_TRUST_DOMAIN;
    private Duration certTtl = LocalCertificateAuthority.DEFAULT_CERT_TTL;
    private LocalCa localCa;

    private Builder(Path configDir) {
      this.configDir = Objects.requireNonNull(configDir, "configDir");
    }

    /** The TCP port; 0 (the default) picks a free one. */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /** The address to bind; {@value LocalControlPlane#LOOPBACK} by default. */
    public Builder bindAddress(String bindAddress) {
      this.bindAddress = Objects.requireNonNull(bindAddress, "bindAddress");
      return this;
    }

    /** The Kubernetes cluster domain that short host names expand into; {@code cluster.local} by default. */
    public Builder clusterDomain(String clusterDomain) {
      this.clusterDomain = Objects.requireNonNull(clusterDomain, "clusterDomain");
      return this;
    }

    /** The quiet period after a file change before reloading; 150 ms by default. */
    public Builder debounce(Duration debounce) {
      this.debounce = Objects.requireNonNull(debounce, "debounce");
      return this;
    }

    /**
     * Whether warnings (unknown kinds, fields not translated, probable mistakes) reject a reload as errors
     * do, and are reported as errors; false by default.
     */
    public Builder strict(boolean strict) {
      this.strict = strict;
      return this;
    }

    /** Bounds on the xDS server's connections and streams; {@link ServerLimits#DEFAULT} by default. */
    public Builder serverLimits(ServerLimits serverLimits) {
      this.serverLimits = Objects.requireNonNull(serverLimits, "serverLimits");
      return this;
    }

    /** Told about every reload attempt, including the first. */
    public Builder onReload(ReloadListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * Told each time a client view is served a new snapshot, on the serving thread (see
     * {@link ViewServedListener}); the remaining views of a publish wait until it returns.
     */
    public Builder onViewServed(ViewServedListener listener) {
      this.viewServedListener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /** The trust domain of the certificates the CA issues; {@code cluster.local} by default. */
    public Builder trustDomain(String trustDomain) {
      io.bowline.tls.SpiffeId.checkTrustDomain(trustDomain);
      this.trustDomain = trustDomain;
      return this;
    }

    /** The default and longest lifetime of the certificates the CA issues; 24 h by default, as Istio. */
    public Builder certTtl(Duration certTtl) {
      this.certTtl = Objects.requireNonNull(certTtl, "certTtl");
      return this;
    }

    /** Where the CA keeps its keys and publishes its token and address; {@link LocalCa#forCurrentUser()} by default. */
    public Builder localCa(LocalCa localCa) {
      this.localCa = Objects.requireNonNull(localCa, "localCa");
      return this;
    }

    /**
     * Starts the server, watches the directory and loads it once.
     *
     * @throws IOException if the port cannot be bound, or the directory does not exist or cannot be watched
     */
    public LocalControlPlane start() throws IOException {
      if (!Files.isDirectory(configDir)) {
        throw new NoSuchFileException(configDir.toString(), null, "not a directory");
      }
      XdsSnapshotServer server =
          XdsSnapshotServer.start(bindAddress, port, INITIAL_VERSION, viewServedListener, serverLimits);
      LocalControlPlane controlPlane = new LocalControlPlane(this, server);
      try {
        controlPlane.watch(debounce);
        controlPlane.certificateAuthority = LocalCertificateAuthority.start(
            localCa != null ? localCa : LocalCa.forCurrentUser(), trustDomain, certTtl, LOOPBACK, 0,
            () -> controlPlane.served);
      } catch (java.security.cert.CertificateException e) {
        controlPlane.close();
        throw new IOException("the local CA cannot start: " + e.getMessage(), e);
      } catch (IOException | RuntimeException e) {
        controlPlane.close();
        throw e;
      }
      controlPlane.reload();
      return controlPlane;
    }
  }
}
