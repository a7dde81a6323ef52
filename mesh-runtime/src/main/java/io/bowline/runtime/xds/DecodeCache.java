package io.bowline.runtime.xds;

import com.google.protobuf.Any;
import java.util.HashMap;
import java.util.Map;

/**
 * The decoded value of each resource of a type's last state-of-the-world response, by the resource's exact
 * bytes (its {@code Any}: type URL and serialized message). A SotW response repeats every resource of the
 * type; a resource whose bytes did not change since the previous response is taken from here instead of
 * being unpacked, checked and parsed again, so applying a response costs in proportion to what changed
 * (plus one hash and compare of the bytes). Reusing the very same value instance also lets the snapshot
 * compiler see at once that the resource is unchanged. Decoding is a pure function of the bytes, so the
 * cache holds across streams and servers. Confined to the config executor.
 */
final class DecodeCache {

  /** One accepted resource: its name and decoded value. */
  record Entry(String name, Object value) {}

  private Map<Any, Entry> previous = new HashMap<>();
  private Map<Any, Entry> next = new HashMap<>();

  /** The entry of a resource with exactly these bytes in the previous response, or null. */
  Entry reuse(Any resource) {
    Entry entry = previous.get(resource);
    if (entry != null) {
      next.put(resource, entry);
    }
    return entry;
  }

  /** Remembers an accepted resource of the current response. */
  void keep(Any resource, String name, Object value) {
    next.put(resource, new Entry(name, value));
  }

  /** Ends a response: what it accepted becomes what the next one may reuse. */
  void endResponse() {
    previous = next;
    next = new HashMap<>();
  }
}
