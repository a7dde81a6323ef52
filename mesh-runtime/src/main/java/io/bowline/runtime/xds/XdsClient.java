package io.bowline.runtime.xds;

import io.bowline.api.ClientStatus;
import io.bowline.api.config.Cluster;
import io.bowline.api.config.InboundListener;
import io.bowline.api.config.Listener;
import io.bowline.runtime.bootstrap.ServerInfo;
import io.bowline.runtime.xds.resource.ClusterResourceType;
import io.bowline.runtime.xds.resource.EndpointResourceType;
import io.bowline.runtime.xds.resource.ListenerResourceType;
import io.bowline.runtime.xds.resource.ResourceType;
import io.bowline.runtime.xds.resource.RouteConfigurationResourceType;
import io.bowline.runtime.xds.resource.SecretResourceType;
import io.bowline.api.config.SocketListener;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An ADS client (Envoy xDS v3, gRFC A27 behaviour), state of the world
 * ({@code StreamAggregatedResources}) or incremental ({@code DeltaAggregatedResources}): one
 * stream carrying LDS and CDS (wildcard) and RDS, EDS and SDS (by the names the accepted listeners
 * and clusters refer to). A {@code router~} node (a gateway) also reads socket listeners and follows their
 * filter chains' route configuration and {@code DownstreamTlsContext} secret names.
 *
 * <p>All protocol state lives on one serialized executor; watchers are called there too. Every
 * response is ACKed or NACKed (SotW: previous version, new nonce, {@code error_detail} naming
 * resource and field); valid resources of a partly invalid response are still applied, invalid
 * ones keep their previous value (gRFC A46/A88). Responses are read one at a time: the next is
 * requested after the current one was applied. A broken stream reconnects with backoff (reset once
 * a response arrived, gRFC A57) and resubscribes with the last accepted versions (SotW) or
 * {@code initial_resource_versions} (delta); the cache survives meanwhile. A server that fails
 * before answering is left for the next one in the list (gRFC A71 fallback); while on a fallback
 * server the client keeps connecting to the primary and switches back once it is reachable. A SotW LDS/CDS response that omits a resource
 * deletes it, unless the server has {@code ignore_resource_deletion} (gRFC A53) or the response holds a
 * resource that could not be decoded far enough to be named (then nothing is deleted).
 */
public final class XdsClient implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(XdsClient.class);
  /** gRPC's {@code INVALID_ARGUMENT}, the NACK's {@code error_detail} code. */
  private static final int INVALID_ARGUMENT = 3;

  private final XdsClientConfig config;
  private final ScheduledExecutorService executor;
  /** The executor's one thread, once started. */
  private volatile Thread executorThread;
  private final Map<Integer, XdsTransport> transports = new HashMap<>();
  private final Map<String, TypeState> states = new LinkedHashMap<>();
  private final TypeState lds;
  private final TypeState rds;
  private final TypeState cds;
  private final TypeState eds;
  private final TypeState sds;
  private final Backoff backoff = new Backoff();
  private final XdsMetrics metrics;
  private final ResourceDecoder decoder = new ResourceDecoder();
  private final List<Consumer<XdsResources>> watchers = new CopyOnWriteArrayList<>();
  private XdsResources lastPublished;
  /** The LDS and CDS values the RDS/EDS/SDS subscriptions were last derived from. */
  private final Map<?, ?>[] subscribedFor = new Map<?, ?>[2];
  private AdsStream<?, ?> call;
  private int serverIndex;
  private boolean primaryWatched;
  private boolean closed;
  private boolean configReceived; // a response was handled: there is a configuration to serve

  /**
   * A client of one plaintext server, state of the world, with one watcher.
   *
   * @param target the ADS server, {@code host:port}
   * @param node the node sent on the first request of each stream
   * @param initialFetchTimeout does-not-exist timer for named resources (Envoy default 15 s)
   * @param onUpdate called on the config executor with the accepted resources after each change
   */
  public XdsClient(String target, Node node, Duration initialFetchTimeout, Consumer<XdsResources> onUpdate) {
    this(XdsClientConfig.of(target, node, initialFetchTimeout));
    watchers.add(onUpdate);
  }

  /** A client for {@code config}; call {@link #start()} to open the stream. */
  public XdsClient(XdsClientConfig config) {
    this.config = config;
    ScheduledThreadPoolExecutor ex = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "bowline-xds-" + config.servers().get(0).serverUri());
      t.setDaemon(true);
      executorThread = t;
      return t;
    });
    // close() must not wait for pending does-not-exist timers or reconnect delays
    ex.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    ex.setRemoveOnCancelPolicy(true);
    this.executor = ex;
    this.lds = add(new ListenerResourceType(config.serverListenerPrefix(), config.node().getId().startsWith("router~")),
        true);
    this.cds = add(new ClusterResourceType(config.certificateProviderInstances()), true);
    this.rds = add(new RouteConfigurationResourceType(), false);
    this.eds = add(new EndpointResourceType(), false);
    this.sds = add(new SecretResourceType(), false);
    this.metrics = new XdsMetrics(config.servers().get(0).serverUri(), config.node().getId(),
        states.values().stream().map(t -> t.type.typeUrl()).toList());
  }

  private TypeState add(ResourceType<?, ?> type, boolean wildcard) {
    TypeState s = new TypeState(type, wildcard);
    states.put(type.typeUrl(), s);
    return s;
  }

  /** Opens the stream in the background. */
  public void start() {
    executor.execute(this::startStream);
  }

  /** The primary ADS server this client talks to. */
  public String target() {
    return config.servers().get(0).serverUri();
  }

  /** This client's configuration. */
  public XdsClientConfig config() {
    return config;
  }

  /**
   * Adds a watcher, called on the config executor after every change, and at once with the
   * current resources if any arrived already.
   *
   * @return removes the watcher
   */
  public Runnable watch(Consumer<XdsResources> watcher) {
    executeIfOpen(() -> {
      watchers.add(watcher);
      if (lastPublished != null) {
        deliver(watcher, lastPublished);
      }
    });
    return () -> watchers.remove(watcher);
  }

  /**
   * Asks for a listener by name on top of the wildcard LDS subscription, as a gRPC server asks for its server
   * listener (gRFC A36; istiod's {@code grpc} generator answers inbound listeners only when so named). The
   * request then carries the explicit wildcard {@code *} and the names (xDS protocol, "explicitly
   * subscribing to the wildcard"). Idempotent; the name stays subscribed for the client's lifetime. Returns at
   * once; the request goes out on the config executor.
   *
   * @param name the listener's resource name, e.g. {@code xds.istio.io/grpc/lds/inbound/0.0.0.0:8443}
   */
  public void subscribeListener(String name) {
    executeIfOpen(() -> {
      if (lds.subscribed.contains(name)) {
        return;
      }
      Set<String> names = new TreeSet<>(lds.subscribed);
      names.add(name);
      lds.subscribed = names;
      if (!lds.values.containsKey(name)) {
        lds.record(name, "", ClientStatus.State.REQUESTED, null);
        startTimer(lds, name);
      }
      if (call != null) {
        call.subscribe(lds);
      }
    });
  }

  /**
   * Registers this client's meters in {@code registry} (see {@link XdsMetrics} for the names).
   *
   * @return removes them again (reference counted per registry)
   */
  public Runnable bindMetrics(MeterRegistry registry) {
    metrics.bind(registry);
    return () -> metrics.unbind(registry);
  }

  /** The client's status in CSDS shape. Safe from any thread. */
  public ClientStatus status() {
    return read(() -> {
      Map<String, String> versions = new LinkedHashMap<>();
      List<ClientStatus.Resource> resources = new ArrayList<>();
      for (TypeState s : states.values()) {
        if (s.responded) {
          versions.put(s.type.typeUrl(), s.version);
        }
        resources.addAll(s.records.values());
      }
      return new ClientStatus(call != null && call.responded(), versions, resources);
    }, new ClientStatus(false, Map.of(), List.of()));
  }

  /**
   * {@link #onExecutor} for readers of the protocol state: waits for {@code task}; once the client is closed,
   * {@code whenClosed}.
   */
  private <T> T read(Callable<T> task, T whenClosed) {
    try {
      return onExecutor(task);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    } catch (RejectedExecutionException e) {
      return whenClosed;
    }
  }

  /**
   * Runs {@code task} on the protocol executor and waits for it; runs it in place when called from
   * that executor (a watcher reading the status), which would otherwise wait for itself.
   */
  private <T> T onExecutor(Callable<T> task) throws InterruptedException, ExecutionException {
    if (Thread.currentThread() == executorThread) {
      try {
        return task.call();
      } catch (Exception e) {
        throw new ExecutionException(e);
      }
    }
    return executor.submit(task).get();
  }

  /**
   * Every resource the client requested or holds, with the resource as the server sent it (the accepted one,
   * and the rejected one of a NACKED name), for config dumps. Safe from any thread.
   */
  public List<ResourceDump> dump() {
    return read(() -> {
      List<ResourceDump> out = new ArrayList<>();
      for (TypeState s : states.values()) {
        out.addAll(s.dump());
      }
      return List.copyOf(out);
    }, List.of());
  }

  /** The server the current (or next) stream talks to. */
  public ServerInfo currentServer() {
    try {
      return onExecutor(() -> config.servers().get(serverIndex));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException | RejectedExecutionException e) {
      return config.servers().get(0);
    }
  }

  @Override
  public void close() {
    try {
      executor.execute(() -> {
        closed = true;
        if (call != null) {
          call.cancel();
          call = null;
        }
      });
    } catch (RejectedExecutionException alreadyClosed) {
      return;
    }
    executor.shutdown();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
      transports.values().forEach(XdsTransport::close);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    metrics.connected(false);
    metrics.unbindAll();
  }

  // ---- stream lifecycle (config executor) ----

  private XdsTransport transport(int index) {
    return transports.computeIfAbsent(index, i -> XdsTransports.create(config.servers().get(i)));
  }

  private ServerInfo server() {
    return config.servers().get(serverIndex);
  }

  private boolean delta() {
    return config.delta() || server().delta();
  }

  private void startStream() {
    if (closed) {
      return;
    }
    AdsStream<?, ?> c = delta()
        ? new DeltaAdsStream(executor, this::handleDelta, this::onStreamClosed, config.node())
        : new SotwAdsStream(executor, this::handleSotw, this::onStreamClosed, config.node());
    call = c;
    for (TypeState s : states.values()) {
      s.nonce = "";
      s.sentOnStream = false;
      s.sentSubscription = new TreeSet<>();
    }
    c.open(transport(serverIndex));
    for (TypeState s : states.values()) {
      if (s.interested()) {
        c.subscribe(s);
      }
    }
    if (serverIndex > 0 && !primaryWatched) {
      primaryWatched = true;
      watchPrimary();
    }
  }

  /**
   * While on a fallback server, keeps connecting to the primary (the transport's reconnect backoff)
   * and switches back to it as soon as it is reachable (gRFC A71).
   */
  private void watchPrimary() {
    transport(0).whenReachable(() -> executeIfOpen(this::backToPrimary));
  }

  private void backToPrimary() {
    primaryWatched = false;
    if (closed || serverIndex == 0) {
      return;
    }
    log.info("xDS primary server {} is reachable again; switching back from {}",
        config.servers().get(0).serverUri(), server().serverUri());
    AdsStream<?, ?> old = call;
    call = null;
    if (old != null) {
      old.cancel();
    }
    serverIndex = 0;
    startStream();
  }

  private void onStreamClosed(AdsStream<?, ?> c, String status) {
    if (closed || call != c) {
      return;
    }
    call = null;
    metrics.connected(false);
    String from = server().serverUri();
    long delay = 0;
    if (!c.responded()) {
      metrics.serverFailed(from);
      serverIndex = (serverIndex + 1) % config.servers().size();
      if (serverIndex == 0) {
        delay = backoff.nextDelayMs();
      }
    }
    log.warn("xDS stream to {} closed ({}); connecting to {} in {} ms, {}",
        from, status, server().serverUri(), delay,
        configReceived ? "serving the cached config meanwhile" : "no configuration received yet");
    executor.schedule(this::startStream, delay, TimeUnit.MILLISECONDS);
  }

  private void onFirstResponse() {
    backoff.reset();
    metrics.connected(true, server().serverUri());
  }

  // ---- responses (config executor) ----

  private void handleSotw(AdsStream<?, ?> c, DiscoveryResponse response) {
    if (call != c) {
      return;
    }
    onFirstResponse();
    TypeState s = states.get(response.getTypeUrl());
    if (s == null) {
      log.warn("xDS server {} sent unrequested type {}; ignored", server().serverUri(), response.getTypeUrl());
      return;
    }
    s.nonce = response.getNonce();
    long start = System.nanoTime();
    ResourceDecoder.Decoded d = new ResourceDecoder.Decoded();
    for (int i = 0; i < response.getResourcesCount(); i++) {
      decoder.decode(s.type, response.getResources(i), null, i, d, s.decoded);
    }
    s.decoded.endResponse();
    metrics.decoded(s.shortName(), System.nanoTime() - start);
    String version = response.getVersionInfo();
    if (s.type.isStateOfTheWorld() && d.unnamed > 0) {
      log.warn("{} response {} from {} has resources that cannot be named; deleting none of the omitted ones",
          s.shortName(), version, server().serverUri());
    } else if (s.type.isStateOfTheWorld()) {
      for (String gone : new ArrayList<>(s.values.keySet())) {
        if (!d.accepted.containsKey(gone) && !d.rejected.containsKey(gone)) {
          remove(s, gone, version);
        }
      }
    }
    Map<String, String> versions = new HashMap<>();
    d.accepted.keySet().forEach(n -> versions.put(n, version));
    finish(s, c, version, d, versions);
  }

  private void handleDelta(AdsStream<?, ?> c, DeltaDiscoveryResponse response) {
    if (call != c) {
      return;
    }
    onFirstResponse();
    TypeState s = states.get(response.getTypeUrl());
    if (s == null) {
      log.warn("xDS server {} sent unrequested type {}; ignored", server().serverUri(), response.getTypeUrl());
      return;
    }
    s.nonce = response.getNonce();
    long start = System.nanoTime();
    ResourceDecoder.Decoded d = new ResourceDecoder.Decoded();
    Map<String, String> versions = new HashMap<>();
    for (int i = 0; i < response.getResourcesCount(); i++) {
      Resource r = response.getResources(i);
      String name = decoder.decode(s.type, r.getResource(), r.getName(), i, d);
      if (name != null) {
        versions.put(name, r.getVersion());
      }
    }
    metrics.decoded(s.shortName(), System.nanoTime() - start);
    String version = response.getSystemVersionInfo();
    for (String gone : response.getRemovedResourcesList()) {
      remove(s, gone, version);
      s.resourceVersions.remove(gone);
    }
    finish(s, c, version, d, versions);
  }

  /** Applies decoded resources, ACKs or NACKs, follows new names, publishes. */
  private void finish(TypeState s, AdsStream<?, ?> c, String version, ResourceDecoder.Decoded d, Map<String, String> versions) {
    d.accepted.forEach((name, value) -> {
      if (!s.wildcard && !s.subscribed.contains(name)) {
        return;
      }
      s.put(name, value);
      s.keepRaw(name, d.acceptedRaw.get(name), null);
      String v = versions.getOrDefault(name, version);
      s.resourceVersions.put(name, v);
      s.record(name, c.isDelta() ? v : version, ClientStatus.State.ACKED, null);
      cancelTimer(s, name);
    });
    d.rejected.forEach((name, error) -> {
      ClientStatus.Resource prev = s.records.get(name);
      s.keepRaw(name, null, d.rejectedRaw.get(name));
      s.record(name, prev == null ? "" : prev.version(), ClientStatus.State.NACKED, error);
      cancelTimer(s, name);
    });
    s.responded = true;
    configReceived = true;
    metrics.resourceUpdates(s.shortName(), d.accepted.size(), d.rejected.size() + d.unnamed);
    if (d.errors.isEmpty()) {
      s.version = version;
      s.lastRejectedVersion = null;
      s.rejectRepeats = 0;
      metrics.accepted(s.shortName());
      c.ack(s);
    } else {
      metrics.rejected(s.shortName());
      nack(s, c, version, String.join("; ", d.errors));
    }
    updateSubscriptions();
    long start = System.nanoTime();
    publish();
    metrics.applied(s.shortName(), System.nanoTime() - start);
  }

  private void remove(TypeState s, String name, String version) {
    if (!s.values.containsKey(name)) {
      return;
    }
    if (server().ignoreResourceDeletion()) {
      log.warn("{} '{}' was deleted by {} but the server sets ignore_resource_deletion; keeping it",
          s.shortName(), name, server().serverUri());
      return;
    }
    s.remove(name);
    s.resourceVersions.remove(name);
    s.record(name, version, ClientStatus.State.DOES_NOT_EXIST, null);
  }

  /**
   * NACKs a response. Servers that answer any request whose version differs from theirs (as
   * go-control-plane and java-control-plane do) resend a rejected version at once; a repeat of the
   * same rejected version is therefore NACKed after a growing delay (1 s doubling to 8 s) instead
   * of in a tight loop. Other types on the stream are not held up.
   */
  private void nack(TypeState s, AdsStream<?, ?> c, String version, String detail) {
    com.google.rpc.Status error = com.google.rpc.Status.newBuilder()
        .setCode(INVALID_ARGUMENT)
        .setMessage(detail)
        .build();
    if (c.isDelta() || !version.equals(s.lastRejectedVersion)) {
      s.lastRejectedVersion = version;
      s.rejectRepeats = 0;
      log.warn("NACK {} version {} from {}: {}", s.shortName(), version, server().serverUri(), detail);
      c.nack(s, error);
      return;
    }
    long delayMs = Math.min(8_000L, 1_000L << Math.min(s.rejectRepeats, 3));
    s.rejectRepeats++;
    String nonce = s.nonce;
    executor.schedule(() -> {
      if (call == c && nonce.equals(s.nonce)) {
        c.nack(s, error);
      }
    }, delayMs, TimeUnit.MILLISECONDS);
  }

  private void updateSubscriptions() {
    Map<String, Object> listeners = lds.valuesOf();
    Map<String, Cluster> clusters = cds.valuesOf();
    if (listeners == subscribedFor[0] && clusters == subscribedFor[1]) {
      return; // neither changed since the subscriptions were derived from them
    }
    subscribedFor[0] = listeners;
    subscribedFor[1] = clusters;
    Set<String> routeNames = new TreeSet<>();
    Set<String> secretNames = new TreeSet<>();
    for (Listener l : lds.valuesOf(Listener.class).values()) {
      if (l.routeConfigName() != null) {
        routeNames.add(l.routeConfigName());
      }
    }
    for (SocketListener l : lds.valuesOf(SocketListener.class).values()) {
      for (SocketListener.FilterChain c : l.filterChains()) {
        if (c.http() != null && c.http().routeConfigName() != null) {
          routeNames.add(c.http().routeConfigName());
        }
        if (c.tls() != null) {
          if (c.tls().certificateSecret() != null) {
            secretNames.add(c.tls().certificateSecret());
          }
          if (c.tls().validationSecret() != null) {
            secretNames.add(c.tls().validationSecret());
          }
        }
      }
    }
    Set<String> edsNames = new TreeSet<>();
    for (Cluster c : clusters.values()) {
      if (c.type() == Cluster.DiscoveryType.EDS) {
        edsNames.add(c.edsServiceName());
      }
      secretNames.addAll(c.optionsOrNone().sdsSecretNames());
    }
    resubscribe(rds, routeNames);
    resubscribe(eds, edsNames);
    resubscribe(sds, secretNames);
  }

  private void resubscribe(TypeState s, Set<String> names) {
    if (names.equals(s.subscribed)) {
      return;
    }
    Set<String> removed = new HashSet<>(s.subscribed);
    removed.removeAll(names);
    for (String name : removed) {
      s.remove(name);
      s.records.remove(name);
      s.resourceVersions.remove(name);
      cancelTimer(s, name);
    }
    for (String name : names) {
      if (!s.subscribed.contains(name)) {
        s.record(name, "", ClientStatus.State.REQUESTED, null);
        startTimer(s, name);
      }
    }
    s.subscribed = new TreeSet<>(names);
    if (call != null) {
      call.subscribe(s);
    }
  }

  private void startTimer(TypeState s, String name) {
    if (config.initialFetchTimeout().isZero()) {
      return;
    }
    s.doesNotExistTimers.put(name, executor.schedule(() -> {
      s.doesNotExistTimers.remove(name);
      ClientStatus.Resource r = s.records.get(name);
      if (s.subscribed.contains(name) && r != null && r.state() == ClientStatus.State.REQUESTED) {
        log.warn("{} '{}' did not arrive within {}; treating it as does-not-exist", s.shortName(), name,
            config.initialFetchTimeout());
        s.record(name, "", ClientStatus.State.DOES_NOT_EXIST, null);
        publish();
      }
    }, config.initialFetchTimeout().toMillis(), TimeUnit.MILLISECONDS));
  }

  private void cancelTimer(TypeState s, String name) {
    var f = s.doesNotExistTimers.remove(name);
    if (f != null) {
      f.cancel(false);
    }
  }

  private void publish() {
    for (TypeState s : states.values()) {
      metrics.counts(s.shortName(), s.countByState());
      metrics.cacheStates(s.shortName(), s.countByCacheState());
    }
    boolean complete = states.values().stream().allMatch(s -> !s.interested() || s.settled())
        && lds.responded && cds.responded;
    XdsResources resources = new XdsResources(lds.valuesOf(Listener.class), rds.valuesOf(), cds.valuesOf(),
        eds.valuesOf(), sds.valuesOf(), lds.valuesOf(SocketListener.class), complete,
        lds.valuesOf(InboundListener.class));
    lastPublished = resources;
    for (Consumer<XdsResources> w : watchers) {
      deliver(w, resources);
    }
  }

  private static void deliver(Consumer<XdsResources> watcher, XdsResources resources) {
    try {
      watcher.accept(resources);
    } catch (RuntimeException e) {
      log.error("xDS update watcher failed", e);
    }
  }

  static String shortType(ResourceType<?, ?> t) {
    String url = t.typeUrl();
    return url.substring(url.lastIndexOf('.') + 1);
  }

  private void executeIfOpen(Runnable r) {
    try {
      executor.execute(r);
    } catch (RejectedExecutionException closing) {
      // the client is closing
    }
  }
}
