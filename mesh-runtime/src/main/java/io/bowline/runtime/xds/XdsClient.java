package io.bowline.runtime.xds;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.bowline.api.ClientStatus;
import io.bowline.api.config.Cluster;
import io.bowline.api.config.Listener;
import io.bowline.runtime.xds.resource.ClusterResourceType;
import io.bowline.runtime.xds.resource.EndpointResourceType;
import io.bowline.runtime.xds.resource.ListenerResourceType;
import io.bowline.runtime.xds.resource.ResourceException;
import io.bowline.runtime.xds.resource.ResourceType;
import io.bowline.runtime.xds.resource.RouteConfigurationResourceType;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A state-of-the-world ADS client (Envoy xDS v3, gRFC A27 behaviour): one
 * {@code StreamAggregatedResources} stream carrying LDS and CDS (wildcard) and RDS and EDS (by
 * the names the accepted listeners and clusters refer to).
 *
 * <p>All protocol state lives on one serialized executor; the update callback runs there too.
 * Every response is ACKed or NACKed (previous version, new nonce, {@code error_detail} naming
 * resource and field); valid resources of a partly invalid response are still applied, invalid
 * ones keep their previous value. Responses are read one at a time: the next is requested after
 * the current one was applied. A broken stream reconnects with backoff (reset once a response
 * arrived) and resubscribes with the last accepted versions; the cache survives meanwhile.
 */
public final class XdsClient implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(XdsClient.class);

  private final String target;
  private final Node node;
  private final Duration initialFetchTimeout;
  private final Consumer<XdsResources> onUpdate;
  private final ScheduledExecutorService executor;
  private final ManagedChannel channel;
  private final Map<String, TypeState> states = new LinkedHashMap<>();
  private final TypeState lds;
  private final TypeState rds;
  private final TypeState cds;
  private final TypeState eds;
  private final Backoff backoff = new Backoff();
  private AdsCall call;
  private boolean closed;

  /**
   * @param target the ADS server, {@code host:port}
   * @param node the node sent on the first request of each stream
   * @param initialFetchTimeout does-not-exist timer for named resources (Envoy default 15 s)
   * @param onUpdate called on the config executor with the accepted resources after each change
   */
  public XdsClient(String target, Node node, Duration initialFetchTimeout, Consumer<XdsResources> onUpdate) {
    this.target = target;
    this.node = node;
    this.initialFetchTimeout = initialFetchTimeout;
    this.onUpdate = onUpdate;
    this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "bowline-xds-" + target);
      t.setDaemon(true);
      return t;
    });
    this.channel = Grpc.newChannelBuilder(target, InsecureChannelCredentials.create()).build();
    this.lds = add(new ListenerResourceType(), true);
    this.cds = add(new ClusterResourceType(), true);
    this.rds = add(new RouteConfigurationResourceType(), false);
    this.eds = add(new EndpointResourceType(), false);
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

  /** The ADS server this client talks to. */
  public String target() {
    return target;
  }

  /** The client's status in CSDS shape. Safe from any thread. */
  public ClientStatus status() {
    try {
      return executor.submit(() -> {
        Map<String, String> versions = new LinkedHashMap<>();
        List<ClientStatus.Resource> resources = new ArrayList<>();
        for (TypeState s : states.values()) {
          if (s.responded) {
            versions.put(s.type.typeUrl(), s.version);
          }
          resources.addAll(s.records.values());
        }
        return new ClientStatus(call != null && call.responded, versions, resources);
      }).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    } catch (java.util.concurrent.RejectedExecutionException e) {
      return new ClientStatus(false, Map.of(), List.of());
    }
  }

  @Override
  public void close() {
    try {
      executor.execute(() -> {
        closed = true;
        if (call != null) {
          call.requests.cancel("client closed", null);
          call = null;
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException alreadyClosed) {
      return;
    }
    executor.shutdown();
    channel.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- stream lifecycle (config executor) ----

  private void startStream() {
    if (closed) {
      return;
    }
    AdsCall c = new AdsCall();
    call = c;
    AggregatedDiscoveryServiceGrpc.newStub(channel).streamAggregatedResources(c);
    for (TypeState s : states.values()) {
      s.nonce = "";
      if (s.interested()) {
        send(s, null);
      }
    }
  }

  private void onStreamClosed(AdsCall c, Status status) {
    if (closed || call != c) {
      return;
    }
    call = null;
    long delay = c.responded ? 0 : backoff.nextDelayMs();
    log.warn("xDS stream to {} closed ({}: {}); reconnecting in {} ms, serving the cached config meanwhile",
        target, status.getCode(), status.getDescription(), delay);
    executor.schedule(this::startStream, delay, TimeUnit.MILLISECONDS);
  }

  private void send(TypeState s, com.google.rpc.Status errorDetail) {
    if (call == null) {
      return;
    }
    DiscoveryRequest.Builder b = DiscoveryRequest.newBuilder()
        .setTypeUrl(s.type.typeUrl())
        .setVersionInfo(s.version)
        .setResponseNonce(s.nonce);
    if (!s.wildcard) {
      b.addAllResourceNames(s.subscribed);
    }
    if (!call.nodeSent) {
      b.setNode(node);
      call.nodeSent = true;
    }
    if (errorDetail != null) {
      b.setErrorDetail(errorDetail);
    }
    call.requests.onNext(b.build());
  }

  // ---- responses (config executor) ----

  private void handleResponse(DiscoveryResponse response) {
    TypeState s = states.get(response.getTypeUrl());
    if (s == null) {
      log.warn("xDS server {} sent unrequested type {}; ignored", target, response.getTypeUrl());
      return;
    }
    s.nonce = response.getNonce();
    Map<String, Object> accepted = new LinkedHashMap<>();
    Map<String, String> rejected = new LinkedHashMap<>();
    List<String> errors = new ArrayList<>();
    for (int i = 0; i < response.getResourcesCount(); i++) {
      decode(s.type, response.getResources(i), i, accepted, rejected, errors);
    }
    String version = response.getVersionInfo();
    if (s.type.isStateOfTheWorld()) {
      for (String gone : new ArrayList<>(s.values.keySet())) {
        if (!accepted.containsKey(gone) && !rejected.containsKey(gone)) {
          s.values.remove(gone);
          s.record(gone, version, ClientStatus.State.DOES_NOT_EXIST, null);
        }
      }
    }
    accepted.forEach((name, value) -> {
      if (!s.wildcard && !s.subscribed.contains(name)) {
        return;
      }
      s.values.put(name, value);
      s.record(name, version, ClientStatus.State.ACKED, null);
      cancelTimer(s, name);
    });
    rejected.forEach((name, error) -> {
      ClientStatus.Resource prev = s.records.get(name);
      s.record(name, prev == null ? "" : prev.version(), ClientStatus.State.NACKED, error);
      cancelTimer(s, name);
    });
    s.responded = true;
    if (errors.isEmpty()) {
      s.version = version;
      s.lastRejectedVersion = null;
      s.rejectRepeats = 0;
      send(s, null);
    } else {
      nack(s, version, String.join("; ", errors));
    }
    updateSubscriptions();
    publish();
  }

  /**
   * NACKs a response. Servers that answer any request whose version differs from theirs (as
   * go-control-plane and java-control-plane do) resend a rejected version at once; a repeat of the
   * same rejected version is therefore NACKed after a growing delay (1 s doubling to 8 s) instead
   * of in a tight loop. Other types on the stream are not held up.
   */
  private void nack(TypeState s, String version, String detail) {
    com.google.rpc.Status error = com.google.rpc.Status.newBuilder()
        .setCode(Status.Code.INVALID_ARGUMENT.value())
        .setMessage(detail)
        .build();
    if (!version.equals(s.lastRejectedVersion)) {
      s.lastRejectedVersion = version;
      s.rejectRepeats = 0;
      log.warn("NACK {} version {} from {}: {}", shortType(s), version, target, detail);
      send(s, error);
      return;
    }
    long delayMs = Math.min(8_000L, 1_000L << Math.min(s.rejectRepeats, 3));
    s.rejectRepeats++;
    AdsCall c = call;
    String nonce = s.nonce;
    executor.schedule(() -> {
      if (call == c && nonce.equals(s.nonce)) {
        send(s, error);
      }
    }, delayMs, TimeUnit.MILLISECONDS);
  }

  private <M extends Message> void decode(ResourceType<M, ?> type, Any any, int index,
      Map<String, Object> accepted, Map<String, String> rejected, List<String> errors) {
    String at = shortType(type) + " resources[" + index + "]";
    try {
      if (any.getTypeUrl().equals(TypeUrls.RESOURCE_WRAPPER)) {
        any = any.unpack(Resource.class).getResource();
      }
      if (!any.getTypeUrl().equals(type.typeUrl())) {
        errors.add(at + ": type " + any.getTypeUrl() + " does not match the response's " + type.typeUrl());
        return;
      }
      M proto = type.unpack(any);
      String name = type.name(proto);
      if (name.isEmpty()) {
        errors.add(at + ": name must not be empty");
        return;
      }
      if (accepted.containsKey(name) || rejected.containsKey(name)) {
        errors.add(shortType(type) + " '" + name + "': appears twice in one response");
        return;
      }
      try {
        Object value = type.parse(proto);
        accepted.put(name, value == null ? TypeState.IGNORED : value);
      } catch (ResourceException e) {
        String error = shortType(type) + " '" + name + "': " + e.getMessage();
        rejected.put(name, error);
        errors.add(error);
      }
    } catch (InvalidProtocolBufferException e) {
      errors.add(at + ": cannot decode: " + e.getMessage());
    } catch (RuntimeException e) {
      errors.add(at + ": invalid: " + e.getMessage());
    }
  }

  private void updateSubscriptions() {
    Set<String> routeNames = new TreeSet<>();
    for (Listener l : lds.<Listener>valuesOf().values()) {
      if (l.routeConfigName() != null) {
        routeNames.add(l.routeConfigName());
      }
    }
    Set<String> edsNames = new TreeSet<>();
    for (Cluster c : cds.<Cluster>valuesOf().values()) {
      if (c.type() == Cluster.DiscoveryType.EDS) {
        edsNames.add(c.edsServiceName());
      }
    }
    resubscribe(rds, routeNames);
    resubscribe(eds, edsNames);
  }

  private void resubscribe(TypeState s, Set<String> names) {
    if (names.equals(s.subscribed)) {
      return;
    }
    Set<String> removed = new HashSet<>(s.subscribed);
    removed.removeAll(names);
    for (String name : removed) {
      s.values.remove(name);
      s.records.remove(name);
      cancelTimer(s, name);
    }
    for (String name : names) {
      if (!s.subscribed.contains(name)) {
        s.record(name, "", ClientStatus.State.REQUESTED, null);
        startTimer(s, name);
      }
    }
    s.subscribed = new TreeSet<>(names);
    send(s, null);
  }

  private void startTimer(TypeState s, String name) {
    if (initialFetchTimeout.isZero()) {
      return;
    }
    s.doesNotExistTimers.put(name, executor.schedule(() -> {
      s.doesNotExistTimers.remove(name);
      ClientStatus.Resource r = s.records.get(name);
      if (s.subscribed.contains(name) && r != null && r.state() == ClientStatus.State.REQUESTED) {
        log.warn("{} '{}' did not arrive within {}; treating it as does-not-exist", shortType(s), name,
            initialFetchTimeout);
        s.record(name, "", ClientStatus.State.DOES_NOT_EXIST, null);
        publish();
      }
    }, initialFetchTimeout.toMillis(), TimeUnit.MILLISECONDS));
  }

  private void cancelTimer(TypeState s, String name) {
    var f = s.doesNotExistTimers.remove(name);
    if (f != null) {
      f.cancel(false);
    }
  }

  private void publish() {
    boolean complete = states.values().stream().allMatch(s -> !s.interested() || s.settled())
        && lds.responded && cds.responded;
    XdsResources resources = new XdsResources(
        lds.valuesOf(), rds.valuesOf(), cds.valuesOf(), eds.valuesOf(), complete);
    try {
      onUpdate.accept(resources);
    } catch (RuntimeException e) {
      log.error("xDS update listener failed", e);
    }
  }

  private static String shortType(TypeState s) {
    return shortType(s.type);
  }

  private static String shortType(ResourceType<?, ?> t) {
    String url = t.typeUrl();
    return url.substring(url.lastIndexOf('.') + 1);
  }

  /** One ADS stream. Callbacks hop onto the config executor. */
  private final class AdsCall implements ClientResponseObserver<DiscoveryRequest, DiscoveryResponse> {
    ClientCallStreamObserver<DiscoveryRequest> requests;
    boolean nodeSent;
    boolean responded;

    @Override
    public void beforeStart(ClientCallStreamObserver<DiscoveryRequest> requestStream) {
      this.requests = requestStream;
      requestStream.disableAutoRequestWithInitial(1);
    }

    @Override
    public void onNext(DiscoveryResponse response) {
      executor.execute(() -> {
        if (call != this) {
          return;
        }
        responded = true;
        backoff.reset();
        handleResponse(response);
        requests.request(1);
      });
    }

    @Override
    public void onError(Throwable t) {
      executeIfOpen(() -> onStreamClosed(this, Status.fromThrowable(t)));
    }

    @Override
    public void onCompleted() {
      executeIfOpen(() -> onStreamClosed(this, Status.UNAVAILABLE.withDescription("server closed the stream")));
    }
  }

  private void executeIfOpen(Runnable r) {
    try {
      executor.execute(r);
    } catch (java.util.concurrent.RejectedExecutionException closing) {
      // the client is closing; nothing to reconnect
    }
  }
}
