package io.bowline.runtime.filter.common.ratelimit;

import io.bowline.api.MeshRequest;
import io.bowline.api.config.RateLimit;
import io.bowline.runtime.routing.HeaderMatch;
import java.util.ArrayList;
import java.util.List;

/**
 * A route's {@code rate_limits} entries compiled once per snapshot: each makes one descriptor of a
 * request (Envoy's {@code RateLimitPolicyEntry::populateDescriptors}), a list of (key, value)
 * entries, one per action. An action that cannot make its entry drops the whole descriptor, except
 * {@code request_headers} with {@code skip_if_absent}, which drops only its entry; a descriptor left
 * without entries is not sent. Thread-safe.
 */
public final class RateLimitDescriptors {
  /** No descriptors. */
  public static final RateLimitDescriptors NONE = new RateLimitDescriptors(List.of(), null, null);

  /**
   * One entry of a descriptor.
   *
   * @param key the descriptor key, e.g. {@code remote_address}
   * @param value the value from the request
   */
  public record Entry(String key, String value) {}

  private final Object[][] compiled;
  private final String sourceCluster;
  private final String remoteAddress;

  private RateLimitDescriptors(List<RateLimit> entries, String sourceCluster, String remoteAddress) {
    this.sourceCluster = sourceCluster == null ? "" : sourceCluster;
    this.remoteAddress = remoteAddress == null || remoteAddress.isEmpty() ? null : remoteAddress;
    compiled = new Object[entries.size()][];
    for (int i = 0; i < entries.size(); i++) {
      List<RateLimit.Action> actions = entries.get(i).actions();
      Object[] c = new Object[actions.size()];
      for (int j = 0; j < c.length; j++) {
        RateLimit.Action a = actions.get(j);
        c[j] = a instanceof RateLimit.HeaderValueMatch m ? new CompiledMatch(m) : a;
      }
      compiled[i] = c;
    }
  }

  /**
   * Compiles {@code entries} for one client.
   *
   * @param entries the entries that apply, in order
   * @param sourceCluster the local service cluster ({@code source_cluster}: the node's {@code cluster}),
   *     or {@code null} for {@code ""}
   * @param remoteAddress the downstream IP ({@code remote_address}: this workload's own IP, as a
   *     sidecar would see it), or {@code null} when unknown (such descriptors are then not made)
   * @return their descriptors, {@link #NONE} for none
   */
  public static RateLimitDescriptors compile(List<RateLimit> entries, String sourceCluster, String remoteAddress) {
    return entries.isEmpty() ? NONE : new RateLimitDescriptors(entries, sourceCluster, remoteAddress);
  }

  /** Whether no entry applies (no request gets a descriptor). */
  public boolean isEmpty() {
    return compiled.length == 0;
  }

  private record CompiledMatch(RateLimit.HeaderValueMatch action, HeaderMatch[] matchers) {
    CompiledMatch(RateLimit.HeaderValueMatch action) {
      this(action, action.headers().stream().map(HeaderMatch::new).toArray(HeaderMatch[]::new));
    }

    boolean matches(MeshRequest request) {
      for (HeaderMatch m : matchers) {
        if (!m.matches(request)) {
          return false;
        }
      }
      return true;
    }
  }

  /**
   * The descriptors of {@code request}, in the entries' order.
   *
   * @param request the request as the filters left it
   * @param destinationCluster the routed cluster ({@code destination_cluster})
   * @return the descriptors, possibly empty
   */
  public List<List<Entry>> populate(MeshRequest request, String destinationCluster) {
    List<List<Entry>> out = new ArrayList<>(compiled.length);
    for (Object[] actions : compiled) {
      List<Entry> d = new ArrayList<>(actions.length);
      boolean ok = true;
      for (int i = 0; i < actions.length && ok; i++) {
        ok = append(actions[i], request, destinationCluster, d);
      }
      if (ok && !d.isEmpty()) {
        out.add(d);
      }
    }
    return out;
  }

  /** Appends the action's entry; {@code false} when the descriptor is dropped. */
  private boolean append(Object action, MeshRequest request, String destinationCluster, List<Entry> d) {
    if (action instanceof RateLimit.RequestHeaders h) {
      String v = request.header(h.headerName());
      if (v == null || v.isEmpty()) {
        return h.skipIfAbsent();
      }
      d.add(new Entry(h.descriptorKey(), v));
      return true;
    }
    if (action instanceof RateLimit.GenericKey g) {
      d.add(new Entry(g.descriptorKey(), g.descriptorValue()));
      return true;
    }
    if (action instanceof CompiledMatch m) {
      if (m.matches(request) != m.action().expectMatch()) {
        return false;
      }
      d.add(new Entry(m.action().descriptorKey(), m.action().descriptorValue()));
      return true;
    }
    if (action instanceof RateLimit.DestinationCluster) {
      d.add(new Entry("destination_cluster", destinationCluster));
      return true;
    }
    if (action instanceof RateLimit.SourceCluster) {
      d.add(new Entry("source_cluster", sourceCluster));
      return true;
    }
    // remote_address: no descriptor without an IP
    if (remoteAddress == null) {
      return false;
    }
    d.add(new Entry("remote_address", remoteAddress));
    return true;
  }
}
