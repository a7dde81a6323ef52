package io.bowline.runtime.xds;

import io.bowline.api.ClientStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The xDS client's Micrometer meters, registered in every registry bound to it (reference counted,
 * since mesh clients that share one xDS client may bring different registries):
 * <ul>
 *   <li>{@code bowline.xds.connected} (gauge, 1/0): the ADS stream is open and has received a response;
 *   <li>{@code bowline.xds.resources} (gauge, tags {@code type}, {@code status}): resources by CSDS status;
 *   <li>{@code bowline.xds.updates} (counter, tag {@code type}): responses accepted (ACKed);
 *   <li>{@code bowline.xds.nacks} (counter, tag {@code type}): responses rejected (NACKed);
 *   <li>{@code bowline.xds.decode} (timer, tag {@code type}): per response, the time to unpack, check and
 *       parse its resources (those whose bytes did not change are reused without decoding);
 *   <li>{@code bowline.xds.apply} (timer, tag {@code type}): per response, the time the watchers took to
 *       apply the update (the mesh client compiles its snapshot and publishes it to its router).
 * </ul>
 * All meters carry the tags {@code server} (the primary server's URI) and {@code node} (the node id:
 * several mesh clients of one process talking to one server keep their own meters). {@code type} is the short
 * xDS type name, e.g. {@code Listener}.
 *
 * <p>The same events under gRFC A78's names, so dashboards made for grpc-java's xDS client read Bowline's:
 * <ul>
 *   <li>{@code grpc.xds_client.connected} (gauge, labels {@code grpc.target}, {@code grpc.xds.server}): 1 from the
 *       first response on an ADS stream until the stream fails;
 *   <li>{@code grpc.xds_client.server_failure} (counter, same labels): streams to that server that ended without a
 *       response (connect failure or a stream that failed before answering, gRFC A57's "unhealthy" server);
 *   <li>{@code grpc.xds_client.resource_updates_valid} / {@code …_invalid} (counters, plus
 *       {@code grpc.xds.resource_type}): resources received that passed (failed) validation, counted per resource,
 *       unchanged ones included;
 *   <li>{@code grpc.xds_client.resources} (gauge, labels {@code grpc.target}, {@code grpc.xds.authority} =
 *       {@code #old} (no xdstp names), {@code grpc.xds.cache_state} ({@code requested}, {@code does_not_exist},
 *       {@code acked}, {@code nacked}, {@code nacked_but_cached}), {@code grpc.xds.resource_type}).
 * </ul>
 * {@code grpc.xds.resource_type} is the fully qualified type, e.g. {@code envoy.config.listener.v3.Listener}.
 * {@code grpc.target} is the node id: Bowline has one xDS client per node rather than one per channel target.
 */
final class XdsMetrics {
  static final String CONNECTED = "bowline.xds.connected";
  static final String RESOURCES = "bowline.xds.resources";
  static final String UPDATES = "bowline.xds.updates";
  static final String NACKS = "bowline.xds.nacks";
  static final String DECODE = "bowline.xds.decode";
  static final String APPLY = "bowline.xds.apply";
  static final String A78_CONNECTED = "grpc.xds_client.connected";
  static final String A78_SERVER_FAILURE = "grpc.xds_client.server_failure";
  static final String A78_VALID = "grpc.xds_client.resource_updates_valid";
  static final String A78_INVALID = "grpc.xds_client.resource_updates_invalid";
  static final String A78_RESOURCES = "grpc.xds_client.resources";
  /** gRFC A78's {@code grpc.xds.cache_state} values. */
  static final List<String> CACHE_STATES = List.of("requested", "does_not_exist", "acked", "nacked",
      "nacked_but_cached");

  private final Tags base;
  private final Tags target;
  private final String primary;
  private final List<String> types;
  /** Short type name → its fully qualified name (A78's {@code grpc.xds.resource_type}). */
  private final Map<String, String> qualified = new LinkedHashMap<>();
  private volatile boolean connected;
  private volatile String connectedTo;
  private final Map<String, Map<ClientStatus.State, Integer>> counts = new ConcurrentHashMap<>();
  private final Map<String, Map<String, Integer>> cacheStates = new ConcurrentHashMap<>();
  private final Map<MeterRegistry, Binding> bindings = new IdentityHashMap<>();

  /**
   * @param server the primary server's URI
   * @param node the node id
   * @param typeUrls the type URLs the client subscribes to ({@code type.googleapis.com/envoy...})
   */
  XdsMetrics(String server, String node, List<String> typeUrls) {
    this.base = Tags.of("server", server, "node", node);
    this.target = Tags.of("grpc.target", node);
    this.primary = server;
    this.connectedTo = server;
    for (String url : typeUrls) {
      String full = url.substring(url.lastIndexOf('/') + 1);
      qualified.put(full.substring(full.lastIndexOf('.') + 1), full);
    }
    this.types = List.copyOf(qualified.keySet());
  }

  /** Registers the meters in {@code registry}; pair each call with {@link #unbind}. */
  synchronized void bind(MeterRegistry registry) {
    Binding b = bindings.get(registry);
    if (b != null) {
      b.refs++;
      return;
    }
    b = new Binding();
    b.meters.add(Gauge.builder(CONNECTED, this, m -> m.connected ? 1 : 0)
        .tags(base)
        .description("1 when the ADS stream is open and has received a response")
        .strongReference(true)
        .register(registry));
    b.meters.add(Gauge.builder(A78_CONNECTED, this, m -> m.connected ? 1 : 0)
        .tags(target.and("grpc.xds.server", primary))
        .description("Whether the xDS client has a working ADS stream to the xDS server (gRFC A78)")
        .strongReference(true)
        .register(registry));
    for (String type : types) {
      for (String state : CACHE_STATES) {
        b.meters.add(Gauge.builder(A78_RESOURCES, this, m -> m.cached(type, state))
            .tags(target.and("grpc.xds.authority", "#old", "grpc.xds.cache_state", state,
                "grpc.xds.resource_type", qualified.get(type)))
            .description("Number of xDS resources (gRFC A78)")
            .strongReference(true)
            .register(registry));
      }
      for (ClientStatus.State state : ClientStatus.State.values()) {
        b.meters.add(Gauge.builder(RESOURCES, this, m -> m.count(type, state))
            .tags(base.and("type", type, "status", state.name()))
            .description("xDS resources by CSDS status")
            .strongReference(true)
            .register(registry));
      }
      b.meters.add(Counter.builder(UPDATES).tags(base.and("type", type))
          .description("xDS responses accepted").register(registry));
      b.meters.add(Counter.builder(NACKS).tags(base.and("type", type))
          .description("xDS responses rejected").register(registry));
      b.meters.add(Timer.builder(DECODE).tags(base.and("type", type))
          .description("time to decode one xDS response's resources").register(registry));
      b.meters.add(Timer.builder(APPLY).tags(base.and("type", type))
          .description("time the watchers took to apply one xDS update").register(registry));
    }
    bindings.put(registry, b);
  }

  synchronized void unbind(MeterRegistry registry) {
    Binding b = bindings.get(registry);
    if (b == null || --b.refs > 0) {
      return;
    }
    bindings.remove(registry);
    b.meters.forEach(registry::remove);
  }

  synchronized void unbindAll() {
    bindings.forEach((registry, b) -> b.meters.forEach(registry::remove));
    bindings.clear();
  }

  /** The stream to {@code server} got its first response ({@code true}) or ended ({@code false}). */
  void connected(boolean value, String server) {
    connectedTo = server;
    connected = value;
  }

  void connected(boolean value) {
    connected = value;
  }

  /** A stream to {@code server} ended without a response: the server went unhealthy (gRFC A57). */
  synchronized void serverFailed(String server) {
    bindings.forEach((r, b) -> b.add(r.counter(A78_SERVER_FAILURE, target.and("grpc.xds.server", server))).increment());
  }

  /** A response of {@code type} held {@code valid} resources that passed validation and {@code invalid} that did not. */
  synchronized void resourceUpdates(String type, int valid, int invalid) {
    Tags tags = target.and("grpc.xds.server", connectedTo, "grpc.xds.resource_type", qualified.get(type));
    bindings.forEach((r, b) -> {
      b.add(r.counter(A78_VALID, tags)).increment(valid);
      b.add(r.counter(A78_INVALID, tags)).increment(invalid);
    });
  }

  void counts(String type, Map<ClientStatus.State, Integer> byState) {
    counts.put(type, new EnumMap<>(byState));
  }

  /** The resources of {@code type} by A78's {@code grpc.xds.cache_state}. */
  void cacheStates(String type, Map<String, Integer> byCacheState) {
    cacheStates.put(type, Map.copyOf(byCacheState));
  }

  private double cached(String type, String state) {
    Map<String, Integer> m = cacheStates.get(type);
    return m == null ? 0 : m.getOrDefault(state, 0);
  }

  synchronized void accepted(String type) {
    bindings.keySet().forEach(r -> r.counter(UPDATES, base.and("type", type)).increment());
  }

  synchronized void rejected(String type) {
    bindings.keySet().forEach(r -> r.counter(NACKS, base.and("type", type)).increment());
  }

  /** Records that decoding a response of {@code type} took {@code nanos}. */
  synchronized void decoded(String type, long nanos) {
    bindings.keySet().forEach(r -> r.timer(DECODE, base.and("type", type))
        .record(nanos, TimeUnit.NANOSECONDS));
  }

  /** Records that the watchers took {@code nanos} to apply an update caused by a response of {@code type}. */
  synchronized void applied(String type, long nanos) {
    bindings.keySet().forEach(r -> r.timer(APPLY, base.and("type", type))
        .record(nanos, TimeUnit.NANOSECONDS));
  }

  private double count(String type, ClientStatus.State state) {
    Map<ClientStatus.State, Integer> m = counts.get(type);
    return m == null ? 0 : m.getOrDefault(state, 0);
  }

  private static final class Binding {
    final Set<Meter> meters = new LinkedHashSet<>();
    int refs = 1;

    /** Keeps a meter made on first use (a counter per server), so unbinding removes it too. */
    <M extends Meter> M add(M meter) {
      meters.add(meter);
      return meter;
    }
  }
}
