package io.bowline.runtime;

import io.bowline.api.ClientStatus;
import io.bowline.api.AdminSettings;
import io.bowline.api.MeshSettings;
import io.bowline.api.Workload;
import io.bowline.runtime.admin.AdminHandlers;
import io.bowline.runtime.admin.AdminServer;
import io.bowline.runtime.admin.AdminSource;
import io.bowline.runtime.dns.DnsClusterResolver;
import io.bowline.runtime.dns.HostResolver;
import io.bowline.runtime.filter.common.ratelimit.LocalRateLimits;
import io.bowline.runtime.filter.ratelimit.RateLimitFilter;
import io.bowline.runtime.filter.ratelimit.RateLimitServiceClient;
import io.bowline.runtime.filter.mirror.Mirroring;
import io.bowline.runtime.lifecycle.SharedRuntime;
import io.bowline.runtime.pipeline.OutboundRouter;
import io.bowline.runtime.router.timeout.CoarseClock;
import io.bowline.runtime.snapshot.MeshSnapshot;
import io.bowline.runtime.snapshot.SnapshotCompiler;
import io.bowline.runtime.inbound.ServerListeners;
import io.bowline.runtime.tls.UpstreamTlsHandles;
import io.bowline.runtime.upstream.Resilience;
import io.bowline.runtime.xds.NodeFactory;
import io.bowline.runtime.xds.ResourceDump;
import io.bowline.runtime.xds.XdsResources;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.bowline.runtime.telemetry.IstioMetrics;
import io.bowline.runtime.telemetry.TelemetryFilter;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runtime's {@link io.bowline.api.MeshClient}: a {@link ConfigFeed} (a lease on the process's shared
 * {@link io.bowline.runtime.xds.XdsClient} for its servers and node, or a static Envoy file)
 * feeding this client's own {@link SnapshotCompiler}, whose output the adapters read through one
 * volatile field. It holds a lease on the {@link SharedRuntime} while open; its own threads (DNS,
 * mirror workers, the adapters' attachments such as gRPC endpoint event loops) and the shared ones
 * stop with the last {@link #close()}. It imports no adapter: adapters build on it.
 */
final class MeshClientImpl implements RuntimeMeshClient {
  private static final Logger log = LoggerFactory.getLogger(MeshClientImpl.class);
  private final MeshSettings settings;
  private final SharedRuntime.Lease runtime = SharedRuntime.acquire();
  private final MeshSetup setup;
  private final ConfigFeed feed;
  private final Runnable unwatch;
  private final SnapshotCompiler compiler;
  private final DnsClusterResolver dns = new DnsClusterResolver(HostResolver.SYSTEM, this::onDnsChange);
  /** Serializes compilations (config updates and DNS answers); not the client's monitor, which close() holds. */
  private final Object compileLock = new Object();
  private XdsResources lastResources;
  private final CountDownLatch firstConfig = new CountDownLatch(1);
  private final java.util.concurrent.atomic.AtomicBoolean firstApplied = new java.util.concurrent.atomic.AtomicBoolean();
  /** Completes at the first complete configuration, or when the initial-fetch timer fires. */
  private final CompletableFuture<Void> ready = new CompletableFuture<>();
  private volatile boolean received;
  private final List<Runnable> configListeners = new CopyOnWriteArrayList<>();
  private final OutboundRouter router;
  private final Mirroring mirroring = new Mirroring();
  /** The clusters' TLS handles and the certificate providers they started. */
  private final UpstreamTlsHandles tls;
  /** The server listeners and inbound ports, sharing {@link #tls}'s certificate sources. */
  private final ServerListeners serverListeners;
  /** The client's meters: the user's registry (or Micrometer's global one), and what others add (admin). */
  private final CompositeMeterRegistry meters = new CompositeMeterRegistry();
  private final TelemetryFilter telemetry;
  /** Istio's standard metrics of this workload, outbound (the telemetry filter) and inbound (its servers). */
  private final IstioMetrics metrics;
  /** The client's local rate limit buckets, kept across snapshots; fills seen within the coarse clock's 1 ms. */
  private final LocalRateLimits localRateLimits = new LocalRateLimits(CoarseClock::nanoTime);
  /** The client's channels to the global rate limit service ({@code envoy.filters.http.ratelimit}). */
  private final RateLimitServiceClient rateLimitService = new RateLimitServiceClient();
  /** The adapters' per-client state ({@link #attachment}), closed with the client. */
  private final ConcurrentHashMap<Class<?>, AutoCloseable> attachments = new ConcurrentHashMap<>();
  private volatile MeshSnapshot snapshot = MeshSnapshot.EMPTY;
  /** The admin endpoint, or null when not asked for. */
  private final AdminServer admin;
  private boolean closed;
  private volatile boolean closedFlag; // read by the initial-fetch timer's callback

  /**
   * @throws IllegalArgumentException if the bootstrap or the meter registry is invalid
   * @throws java.io.UncheckedIOException if the admin endpoint's port cannot be bound
   */
  MeshClientImpl(MeshSettings settings) {
    this.settings = settings;
    AdminHandlers adminHandlers = null;
    try {
      this.setup = MeshSetup.resolve(settings);
      this.router = new OutboundRouter(new Snapshots(), setup.sourceAddress(), settings.clusterDomain(),
          settings.filters());
      meters.add(registry(settings.meterRegistry()));
      MeterRegistry registry = meters;
      AdminSettings a = settings.admin();
      // before any meter of this client is registered: a Prometheus registry it adds to the composite sees them all
      adminHandlers = a.http() == null && a.csds() == null ? null : adminHandlers();
      this.metrics = Telemetry.metrics(setup, registry, router.resilience());
      this.telemetry = Telemetry.filter(setup, settings.openTelemetry(), metrics);
      String serviceCluster = setup.xds() != null ? setup.xds().node().getCluster()
          : setup.workload().name() + "." + setup.workload().namespace();
      router.builtIns(r -> new BuiltInFilters(r, mirroring, localRateLimits, telemetry,
          new RateLimitFilter(r, rateLimitService), serviceCluster, setup.sourceAddress(),
          Telemetry.peerMetadata(setup)));
      mirroring.bindMetrics(registry);
      CertificateProviders providers = CertificateProviders.of(setup.bootstrap());
      Node node = setup.xds() != null ? setup.xds().node() : null;
      this.tls = new UpstreamTlsHandles(name -> providers.start(name, setup.workload().namespace(), node),
          settings.initialFetchTimeout());
      this.serverListeners = new ServerListeners(MeshSetup.serverListenerPrefix(setup.bootstrap()), tls,
          this::requestServerListener);
      this.compiler = new SnapshotCompiler(setup.workload().namespace(), settings.clusterDomain(), tls);
      this.feed = settings.staticConfig() != null
          ? new StaticFeed(settings.staticConfig(), providers.names())
          : new XdsFeed(setup.xds(), registry);
      this.unwatch = feed.watch(this::onResources);
      this.admin = adminHandlers == null ? null : startAdmin(adminHandlers, a);
      Duration wait = settings.initialFetchTimeout();
      if (!wait.isZero()) {
        ready.completeOnTimeout(null, wait.toMillis(), TimeUnit.MILLISECONDS).thenRun(() -> {
          if (!received && !closedFlag) {
            log.warn("no configuration received yet from {} after the initial fetch timeout ({}): calls proceed "
                + "without mesh routing; mesh service names get a local 503 (UH) until a configuration arrives",
                feed.describe(), wait);
          }
        });
      }
    } catch (RuntimeException | Error e) {
      if (adminHandlers != null) {
        adminHandlers.close();
      }
      runtime.close();
      throw e;
    }
  }

  private AdminServer startAdmin(AdminHandlers handlers, AdminSettings a) {
    try {
      AdminServer server = new AdminServer(handlers, a.http(), a.csds());
      if (server.address() != null) {
        log.info("admin endpoint (mesh page, /config_dump, /clusters, /stats) at http://{}:{}/",
            server.address().getHostString(), server.address().getPort());
      }
      if (server.csdsAddress() != null) {
        log.info("CSDS (envoy.service.status.v3.ClientStatusDiscoveryService) at {}", server.csdsAddress());
      }
      return server;
    } catch (RuntimeException e) {
      unwatch.run();
      feed.close();
      throw e;
    }
  }

  private void requestServerListener(String name) {
    ConfigFeed f = feed;
    if (f != null) {
      f.requestListener(name);
    }
  }

  @Override
  public IstioMetrics istioMetrics() {
    return metrics;
  }

  @Override
  public ServerListeners serverListeners() {
    return serverListeners;
  }

  @Override
  public AdminHandlers adminHandlers() {
    return new AdminHandlers(new AdminView());
  }

  @Override
  public Optional<InetSocketAddress> adminAddress() {
    return Optional.ofNullable(admin == null ? null : admin.address());
  }

  /** What the admin handlers read of this client. */
  private final class AdminView implements AdminSource {
    @Override
    public ClientStatus status() {
      return feed.status();
    }

    @Override
    public List<ResourceDump> resources() {
      return feed.dump();
    }

    @Override
    public Node node() {
      return setup.xds() != null ? setup.xds().node()
          : NodeFactory.forWorkload(setup.workload(), settings.clusterDomain());
    }

    @Override
    public MeshSnapshot snapshot() {
      return snapshot;
    }

    @Override
    public Resilience resilience() {
      return router.resilience();
    }

    @Override
    public MeterRegistry meterRegistry() {
      return meters;
    }

    @Override
    public void flushStats() {
      metrics.flush();
    }

    @Override
    public boolean ready() {
      return firstConfig.getCount() == 0 && !closedFlag;
    }
  }

  /** The data path's view of this client's configuration. */
  private final class Snapshots implements OutboundRouter.Snapshots {
    @Override
    public MeshSnapshot current() {
      return snapshot;
    }

    @Override
    public CompletableFuture<Void> ready() {
      return ready;
    }

    @Override
    public boolean received() {
      return received;
    }

    @Override
    public String source() {
      return feed.describe();
    }
  }

  private static MeterRegistry registry(Object o) {
    if (o == null) {
      return Metrics.globalRegistry;
    }
    if (o instanceof MeterRegistry r) {
      return r;
    }
    throw new IllegalArgumentException(
        "meterRegistry() takes an io.micrometer.core.instrument.MeterRegistry, got " + o.getClass().getName());
  }

  /** Runs on the config executor. */
  private void onResources(XdsResources resources) {
    synchronized (compileLock) {
      lastResources = resources;
      serverListeners.update(resources.inboundListeners());
      dns.update(resources.clusters());
      recompile();
    }
  }

  /** Runs on the DNS resolver thread: recompiles with the new DNS answers, serialized with config updates. */
  private void onDnsChange() {
    synchronized (compileLock) {
      if (lastResources != null) {
        recompile();
      }
    }
  }

  /** The first config is complete once xDS finished its first fetch and every DNS cluster was resolved once. */
  private void recompile() {
    boolean dnsSettled = dns.settled(); // read before the assignments, so a settled cluster's hosts are in this snapshot
    snapshot = compiler.compile(lastResources, dns.assignments());
    router.resilience().warm(snapshot.clusters()); // active health checks start as clusters arrive
    received = true;
    if (lastResources.complete() && dnsSettled) {
      // Envoy's initial cluster warming: the first config is applied once the clusters' TLS certificates are here
      // too (or their initial fetch timeout passed), so awaitReady() and the calls held until then do not get UF
      CompletableFuture<Void> warm = tls.warmed();
      if (warm.isDone()) {
        firstConfigApplied();
      } else {
        warm.thenRun(this::firstConfigApplied); // on the thread that delivered the last certificate; never blocks
      }
    }
    for (Runnable listener : configListeners) {
      try {
        listener.run();
      } catch (RuntimeException e) {
        log.warn("config update listener failed", e);
      }
    }
  }

  private void firstConfigApplied() {
    if (firstConfig.getCount() > 0 && firstApplied.compareAndSet(false, true)) {
      log.info("first configuration applied from {}", feed.describe());
    }
    ready.complete(null); // before awaitReady() returns: a call made then is not held
    firstConfig.countDown();
  }

  @Override
  public Runnable onConfigUpdate(Runnable listener) {
    configListeners.add(Objects.requireNonNull(listener, "listener"));
    return () -> configListeners.remove(listener);
  }

  @Override
  public CompositeMeterRegistry meterRegistry() {
    return meters;
  }

  @Override
  public OutboundRouter router() {
    return router;
  }

  @Override
  public <T extends AutoCloseable> T attachment(Class<T> type, Supplier<? extends T> create) {
    T a = type.cast(attachments.computeIfAbsent(type, t -> Objects.requireNonNull(create.get(), "attachment")));
    if (closedFlag) {
      closeQuietly(a); // made (or found) after close(): closed, as close() closes the others
    }
    return a;
  }

  private static void closeQuietly(AutoCloseable a) {
    try {
      a.close();
    } catch (Exception e) {
      log.warn("closing {} failed", a.getClass().getName(), e);
    }
  }

  @Override
  public void awaitReady(Duration timeout) throws TimeoutException, InterruptedException {
    if (!firstConfig.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new TimeoutException(
          "no complete configuration from " + feed.describe() + " within " + timeout);
    }
  }

  @Override
  public ClientStatus status() {
    return feed.status();
  }

  /**
   * The gRPC xDS bootstrap in use ({@code certificate_providers}, listener name templates,
   * authorities), empty when the client was configured by {@code xdsServer} or a static file only.
   */
  java.util.Optional<io.bowline.runtime.bootstrap.Bootstrap> bootstrap() {
    return setup.bootstrap();
  }

  @Override
  public Workload workload() {
    return setup.workload();
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    closedFlag = true;
    if (admin != null) {
      admin.close();
    }
    ready.complete(null); // calls still held go on (the endpoint channels are closing) and the timer is done
    unwatch.run();
    feed.close();
    attachments.values().forEach(MeshClientImpl::closeQuietly);
    dns.close();
    mirroring.close();
    rateLimitService.close();
    tls.close();
    telemetry.close();
    metrics.close();
    router.resilience().close();
    runtime.close();
  }

  @Override
  public String toString() {
    return "MeshClient{" + setup.workload().name() + "." + setup.workload().namespace()
        + " -> " + feed.describe() + "}";
  }
}
