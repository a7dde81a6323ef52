package io.bowline.runtime.xds;

import io.bowline.api.ClientStatus;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
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
 */
final class XdsMetrics {
  static final String CONNECTED = "bowline.xds.connected";
  static final String RESOURCES = "bowline.xds.resources";
  static final String UPDATES = "bowline.xds.updates";
  static final String NACKS = "bowline.xds.nacks";
  static final String DECODE = "bowline.xds.decode";
  static final String APPLY = "bowline.xds.apply";

  private final Tags base;
  private final List<String> types;
  private volatile boolean connected;
  private final Map<String, Map<ClientStatus.State, Integer>> counts = new ConcurrentHashMap<>();
  private final Map<MeterRegistry, Binding> bindings = new IdentityHashMap<>();

  XdsMetrics(String server, String node, List<String> types) {
    this.base = Tags.of("server", server, "node", node);
    this.types = List.copyOf(types);
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
    for (String type : types) {
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

  void connected(boolean value) {
    connected = value;
  }

  void counts(String type, Map<ClientStatus.State, Integer> byState) {
    counts.put(type, new EnumMap<>(byState));
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
    final List<Meter> meters = new ArrayList<>();
    int refs = 1;
  }
}
