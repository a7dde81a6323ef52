package io.bowline.runtime.upstream.lb;

import io.bowline.api.config.Endpoint;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One endpoint of a cluster as the data path sees it: its address and its live counters. The same
 * instance survives config updates that keep the endpoint, so counters are not reset.
 *
 * <p>Both counters (requests in flight, requests started) live in one word, so that a request's start
 * costs one atomic add, as its end does: the low {@value #ACTIVE_BITS} bits count the requests in flight
 * (at most 16,777,215 at once on one host), the high bits the requests started (Envoy's
 * {@code rq_total}, wrapping after 2<sup>40</sup>).
 */
public final class UpstreamHost {
  private static final int ACTIVE_BITS = 24;
  private static final long ACTIVE_MASK = (1L << ACTIVE_BITS) - 1;
  private static final long STARTED = (1L << ACTIVE_BITS) + 1; // one more started, one more in flight

  private final Endpoint endpoint;
  private final int priority;
  private final AtomicLong counts;
  private final String hostAndPort;

  UpstreamHost(Endpoint endpoint, int priority) {
    this(endpoint, priority, new AtomicLong());
  }

  private UpstreamHost(Endpoint endpoint, int priority, AtomicLong counts) {
    this.endpoint = endpoint;
    this.priority = priority;
    this.counts = counts;
    this.hostAndPort = endpoint.address() + ":" + endpoint.port();
  }

  /** The endpoint as {@code address:port} (Envoy's upstream host, e.g. {@code 10.0.0.1:9080}), made once. */
  public String hostAndPort() {
    return hostAndPort;
  }

  /** The endpoint (address, port, weight, health). */
  public Endpoint endpoint() {
    return endpoint;
  }

  /** {@code LocalityLbEndpoints.priority} of the endpoint. */
  public int priority() {
    return priority;
  }

  /** Requests in flight to this host. */
  public int activeRequests() {
    return (int) (counts.get() & ACTIVE_MASK);
  }

  /** Requests started to this host since it joined the cluster (Envoy's host stat {@code rq_total}). */
  public long totalRequests() {
    return counts.get() >>> ACTIVE_BITS;
  }

  /** Call when a request to this host starts. */
  public void onRequestStart() {
    counts.getAndAdd(STARTED);
  }

  /** Call when a request to this host ends, whatever the outcome (once per {@link #onRequestStart}). */
  public void onRequestEnd() {
    counts.getAndDecrement(); // the request was in flight: no borrow from the started count
  }

  /** This host's counters (shared, not copied) with another endpoint description or priority. */
  UpstreamHost withEndpoint(Endpoint e, int p) {
    return new UpstreamHost(e, p, counts);
  }

  @Override
  public String toString() {
    return endpoint.hostPort();
  }
}
