package io.bowline.samples.bookinfo;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What one workload's inbound port saw since the last {@link #reset()}: requests per peer SPIFFE ID and status,
 * and connections the port's PeerAuthentication mode refused. Thread-safe.
 */
final class InboundTally {
  /** The peer of a plaintext connection, or of a TLS one without a client certificate. */
  static final String NO_PEER = "(no peer certificate)";
  /** The exchange attribute holding the peer's SPIFFE ID (or {@link #NO_PEER}) for handlers. */
  static final String PEER_ATTRIBUTE = "bowline.peer";

  private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
  private final AtomicInteger refused = new AtomicInteger();

  void saw(String peer, int status) {
    counts.computeIfAbsent(status + " " + peer, k -> new AtomicInteger()).incrementAndGet();
  }

  void refused() {
    refused.incrementAndGet();
  }

  void reset() {
    counts.clear();
    refused.set(0);
  }

  /** Requests by {@code "<status> <peer>"}, sorted. */
  Map<String, Integer> byStatusAndPeer() {
    Map<String, Integer> out = new TreeMap<>();
    counts.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }

  /** The statuses answered, sorted. */
  java.util.SortedSet<Integer> statuses() {
    java.util.SortedSet<Integer> out = new java.util.TreeSet<>();
    counts.keySet().forEach(k -> out.add(Integer.parseInt(k.substring(0, k.indexOf(' ')))));
    return out;
  }

  /** Connections refused before any request (plaintext to a STRICT port, a failed handshake). */
  int refusedConnections() {
    return refused.get();
  }
}
