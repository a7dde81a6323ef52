package io.bowline.runtime.upstream.lb;

import io.bowline.api.config.Endpoint;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One endpoint of a cluster as the data path sees it: its address and its live counters. The same
 * instance survives config updates that keep the endpoint, so counters are not reset.
 */
public final class UpstreamHost {
  private final Endpoint endpoint;
  private final int priority;
  private final AtomicInteger activeRequests;
  private final AtomicLong totalRequests;
  private final String hostAndPort;

  UpstreamHost(Endpoint endpoint, int priority, AtomicInteger activeRequests) {
    this(endpoint, priority, activeRequests, new AtomicLong());
  }

  UpstreamHost(Endpoint endpoint, int priority, AtomicInteger activeRequests, AtomicLong totalRequests) {
    this.endpoint = endpoint;
    this.priority = priority;
    this.activeRequests = activeRequests;
    this.totalRequests = totalRequests;
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
    return activeRequests.get();
  }

  /** Requests started to this host since it joined the cluster (Envoy's host stat {@code rq_total}). */
  public long totalRequests() {
    return totalRequests.get();
  }

  /** Call when a request to this host starts. */
  public void onRequestStart() {
    activeRequests.incrementAndGet();
    totalRequests.incrementAndGet();
  }

  /** Call when a request to this host ends, whatever the outcome. */
  public void onRequestEnd() {
    activeRequests.decrementAndGet();
  }


  /** This host's counters (shared, not copied) with another endpoint description or priority. */
  UpstreamHost withEndpoint(Endpoint e, int p) {
    return new UpstreamHost(e, p, activeRequests, totalRequests);
  }

  @Override
  public String toString() {
    return endpoint.hostPort();
  }
}
