package io.bowline.runtime.xds;

import com.google.protobuf.Any;
import io.bowline.api.ClientStatus;
import io.bowline.runtime.xds.resource.ResourceType;
import java.time.Instant;
import java.util.EnumMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ScheduledFuture;

/** Per-type protocol state of the ADS stream. Confined to the config executor. */
final class TypeState {
  /** Stands for a valid resource the runtime has no use for (e.g. a non-API listener). */
  static final Object IGNORED = new Object();

  /** The explicit wildcard name, sent with the names a wildcard type also asks for (xDS protocol). */
  static final String WILDCARD = "*";

  final ResourceType<?, ?> type;
  /** A wildcard type (LDS, CDS); {@link #subscribed} then holds the names asked for on top of the wildcard. */
  final boolean wildcard;
  Set<String> subscribed = new TreeSet<>();
  /** Delta: the subscription the server was last told about on this stream. */
  Set<String> sentSubscription = new TreeSet<>();
  /** Delta: whether this stream's first request of the type was sent. */
  boolean sentOnStream;
  String version = "";
  String nonce = "";
  boolean responded;
  /** version_info of the last rejected response, and how many times in a row it came back. */
  String lastRejectedVersion;
  int rejectRepeats;
  /** The accepted values by name; change it only through {@link #put} and {@link #remove}. */
  final Map<String, Object> values = new LinkedHashMap<>();
  /** What {@link #valuesOf()} returned since the last change of {@link #values}, or null. */
  private Map<String, Object> published;
  /** What {@link #valuesOf(Class)} returned per model class; kept while equal, so unchanged kinds keep their map. */
  private final Map<Class<?>, Map<String, ?>> publishedByKind = new HashMap<>();
  /** Per-resource versions (delta {@code Resource.version}; SotW: the response's version_info). */
  final Map<String, String> resourceVersions = new HashMap<>();
  final Map<String, ClientStatus.Resource> records = new LinkedHashMap<>();
  /** The accepted resources as sent, and the last rejected one of a NACKED name (config dumps). */
  final Map<String, Any> acceptedRaw = new HashMap<>();
  final Map<String, Any> rejectedRaw = new HashMap<>();
  final Map<String, ScheduledFuture<?>> doesNotExistTimers = new HashMap<>();
  /** SotW: the decoded resources of the last response, by their bytes. */
  final DecodeCache decoded = new DecodeCache();

  TypeState(ResourceType<?, ?> type, boolean wildcard) {
    this.type = type;
    this.wildcard = wildcard;
  }

  boolean interested() {
    return wildcard || !subscribed.isEmpty();
  }

  /** The short type name, e.g. {@code Listener}. */
  String shortName() {
    String url = type.typeUrl();
    return url.substring(url.lastIndexOf('.') + 1);
  }

  /** Whether every subscribed name is known, or known not to exist. */
  boolean settled() {
    if (wildcard) {
      return responded;
    }
    for (String name : subscribed) {
      ClientStatus.Resource r = records.get(name);
      if (r == null || r.state() == ClientStatus.State.REQUESTED) {
        return false;
      }
    }
    return true;
  }

  void record(String name, String version, ClientStatus.State state, String error) {
    records.put(name, new ClientStatus.Resource(type.typeUrl(), name, version, state, Instant.now(), error));
    if (state != ClientStatus.State.NACKED) {
      rejectedRaw.remove(name);
    }
    if (state == ClientStatus.State.DOES_NOT_EXIST) {
      acceptedRaw.remove(name);
    }
  }

  /** Keeps what a decoded response carried, for {@link #dump()}; call before {@link #record}. */
  void keepRaw(String name, Any accepted, Any rejected) {
    if (accepted != null) {
      acceptedRaw.put(name, accepted);
    }
    if (rejected != null) {
      rejectedRaw.put(name, rejected);
    }
  }

  /** Every recorded resource of the type with what was sent for it. */
  List<ResourceDump> dump() {
    List<ResourceDump> out = new ArrayList<>();
    for (ClientStatus.Resource r : records.values()) {
      out.add(new ResourceDump(r.typeUrl(), r.name(), r.version(), r.state(), r.lastUpdated(),
          acceptedRaw.get(r.name()), r.state() == ClientStatus.State.NACKED ? rejectedRaw.get(r.name()) : null,
          r.error()));
    }
    return out;
  }

  Map<ClientStatus.State, Integer> countByState() {
    Map<ClientStatus.State, Integer> out = new EnumMap<>(ClientStatus.State.class);
    for (ClientStatus.Resource r : records.values()) {
      out.merge(r.state(), 1, Integer::sum);
    }
    return out;
  }

  /**
   * The resources by gRFC A78's {@code grpc.xds.cache_state}: a NACKED one whose last accepted version is still
   * in use is {@code nacked_but_cached}.
   */
  Map<String, Integer> countByCacheState() {
    Map<String, Integer> out = new HashMap<>();
    for (ClientStatus.Resource r : records.values()) {
      String state = switch (r.state()) {
        case REQUESTED -> "requested";
        case DOES_NOT_EXIST -> "does_not_exist";
        case ACKED -> "acked";
        case NACKED -> values.containsKey(r.name()) ? "nacked_but_cached" : "nacked";
      };
      out.merge(state, 1, Integer::sum);
    }
    return out;
  }

  /** Accepts {@code value} for {@code name}; storing the very instance it has already changes nothing. */
  void put(String name, Object value) {
    if (values.put(name, value) != value) {
      published = null;
      publishedByKind.clear();
    }
  }

  /** Forgets {@code name}. */
  void remove(String name) {
    if (values.remove(name) != null) {
      published = null;
      publishedByKind.clear();
    }
  }

  /**
   * The accepted values without {@link #IGNORED} ones, immutable. The same instance is returned until a
   * value changes, so that consumers see at once that a type did not change.
   */
  @SuppressWarnings("unchecked")
  <T> Map<String, T> valuesOf() {
    if (published == null) {
      Map<String, Object> out = new LinkedHashMap<>();
      values.forEach((k, v) -> {
        if (v != IGNORED) {
          out.put(k, v);
        }
      });
      published = Map.copyOf(out);
    }
    return (Map<String, T>) published;
  }

  /**
   * The accepted values of one model class (LDS holds client and server listeners), immutable; the same instance
   * as before while they are equal.
   */
  @SuppressWarnings("unchecked")
  <T> Map<String, T> valuesOf(Class<T> kind) {
    Map<String, Object> all = valuesOf();
    Map<String, Object> out = new LinkedHashMap<>();
    all.forEach((k, v) -> {
      if (kind.isInstance(v)) {
        out.put(k, v);
      }
    });
    Map<String, ?> previous = publishedByKind.get(kind);
    if (previous != null && previous.equals(out)) {
      return (Map<String, T>) previous;
    }
    Map<String, T> copy = (Map<String, T>) Map.copyOf(out);
    publishedByKind.put(kind, copy);
    return copy;
  }
}
