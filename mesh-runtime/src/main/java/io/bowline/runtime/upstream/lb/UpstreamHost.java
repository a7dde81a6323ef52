package io.bowline.runtime.upstream.lb;

import io.bowline.api.config.Endpoint;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One endpoint of a cluster as the data path sees it: its address and its live counters. The same
 * instance survives config updates that keep the endpoint, so counters are not reset.
 */
public final class UpstreamHost {
  private final Endpoint endpoint;
  private final int priority;
  private final AtomicInteger activeRequests;

  UpstreamHost(Endpoint endpoint, int priority, AtomicInteger activeRequests) {
    this.endpoint = endpoint;
    this.priority = priority;
    this.activeRequests = activeRequests;
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

  /** Call when a request to this host starts. */
  public void onRequestStart() {
    activeRequests.incrementAndGet();
  }

  /** Call when a request to this host ends, whatever the outcome. */
  public void onRequestEnd() {
    activeRequests.decrementAndGet();
  }

  AtomicInteger counter() {
    return activeRequests;
  }

  @Override
  public String toString() {
    return endpoint.hostPort();
  }
}
