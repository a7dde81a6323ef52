package io.bowline.runtime.xds;

import io.bowline.api.ClientStatus;
import io.bowline.runtime.xds.resource.ResourceType;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ScheduledFuture;

/** Per-type protocol state of the ADS stream. Confined to the config executor. */
final class TypeState {
  /** Stands for a valid resource the runtime has no use for (e.g. a non-API listener). */
  static final Object IGNORED = new Object();

  final ResourceType<?, ?> type;
  final boolean wildcard;
  Set<String> subscribed = new TreeSet<>();
  String version = "";
  String nonce = "";
  boolean responded;
  /** version_info of the last rejected response, and how many times in a row it came back. */
  String lastRejectedVersion;
  int rejectRepeats;
  final Map<String, Object> values = new LinkedHashMap<>();
  final Map<String, ClientStatus.Resource> records = new LinkedHashMap<>();
  final Map<String, ScheduledFuture<?>> doesNotExistTimers = new HashMap<>();

  TypeState(ResourceType<?, ?> type, boolean wildcard) {
    this.type = type;
    this.wildcard = wildcard;
  }

  boolean interested() {
    return wildcard || !subscribed.isEmpty();
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
  }

  @SuppressWarnings("unchecked")
  <T> Map<String, T> valuesOf() {
    Map<String, T> out = new LinkedHashMap<>();
    values.forEach((k, v) -> {
      if (v != IGNORED) {
        out.put(k, (T) v);
      }
    });
    return out;
  }
}
