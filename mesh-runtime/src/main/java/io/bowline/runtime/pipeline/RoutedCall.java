package io.bowline.runtime.pipeline;

import io.bowline.api.config.Route;
import io.bowline.runtime.upstream.lb.UpstreamHost;
import io.bowline.runtime.routing.HashPolicies;
import io.bowline.runtime.routing.RequestMutation;
import io.bowline.runtime.snapshot.OutboundListener;
import io.bowline.runtime.upstream.ClusterEntry;
import io.bowline.runtime.upstream.ClusterResilience;
import java.util.Map;

/**
 * What the mesh decided for one outbound call, independent of the transport (OkHttp, gRPC, proxy).
 * Adapters turn it into an upstream attempt or a local reply.
 */
public sealed interface RoutedCall {

  /** The mesh does not know the host: send the call unchanged. */
  PassThrough PASS_THROUGH = new PassThrough();

  /** Not a mesh destination. */
  final class PassThrough implements RoutedCall {
    private PassThrough() {}
  }

  /**
   * Answer locally, as Envoy would.
   *
   * @param status HTTP status (adapters map it to a gRPC status for gRPC calls)
   * @param responseFlags Envoy response flags, e.g. {@code NR}, {@code NC}, {@code UH}; {@code ""} if none
   * @param body response body
   * @param headers response headers, lower-case names (e.g. a redirect's {@code location})
   */
  record LocalReply(int status, String responseFlags, String body, Map<String, String> headers)
      implements RoutedCall {
    public LocalReply {
      headers = Map.copyOf(headers);
    }

    /** A reply without headers. */
    public LocalReply(int status, String responseFlags, String body) {
      this(status, responseFlags, body, Map.of());
    }

    /** No virtual host or route matched. */
    public static final LocalReply NO_ROUTE = new LocalReply(404, "NR", "");

    /** The route named a cluster the client does not have ({@code cluster_not_found_response_code}). */
    public static LocalReply clusterNotFound() {
      return new LocalReply(503, "NC", "");
    }

    /** No healthy endpoint in the cluster. */
    public static LocalReply noHealthyUpstream() {
      return new LocalReply(503, "UH", "no healthy upstream");
    }
  }

  /**
   * Send upstream: the matched route and the chosen cluster. Endpoints are picked per attempt with
   * {@link #pickHost()}, so a retry can land on another host.
   *
   * @param route the matched route (its action carries the policies)
   * @param cluster the chosen cluster
   * @param listener the listener that matched the call's {@code host:port} (its telemetry and peer metadata
   *     settings are read from here, so that the exchange's filters need no listener lookup of their own)
   * @param mutation the rewrites and header edits to apply to the request and response
   * @param hash the request hash for consistent-hash balancers ({@code hash_policy}), or
   *     {@link HashPolicies#NO_HASH}
   * @param state the client's live state of {@code cluster} (circuit breakers, outlier detector, priority set),
   *     refreshed to this entry ({@code Resilience.cluster(cluster)}): the router reads it from here, so that
   *     the decision and the state it acts on are one link (the field fills the record's alignment padding)
   */
  record Upstream(Route route, ClusterEntry cluster, OutboundListener listener, RequestMutation mutation, long hash,
      ClusterResilience state) implements RoutedCall {
    /**
     * A decision for a listener known by its name alone (no telemetry or peer metadata settings).
     *
     * @param route the matched route
     * @param cluster the chosen cluster
     * @param listenerName the listener's name
     * @param mutation the rewrites and header edits
     * @param hash the request hash, or {@link HashPolicies#NO_HASH}
     * @param state the client's live state of {@code cluster}
     */
    public Upstream(Route route, ClusterEntry cluster, String listenerName, RequestMutation mutation, long hash,
        ClusterResilience state) {
      this(route, cluster, new OutboundListener(listenerName, null), mutation, hash, state);
    }

    /** The name of the listener that matched the call's {@code host:port}. */
    public String listenerName() {
      return listener.name();
    }

    /** One endpoint by the cluster's load balancer, or {@code null} if none is available. */
    public UpstreamHost pickHost() {
      return cluster.balancing().balancer().pick(hash);
    }
  }
}
