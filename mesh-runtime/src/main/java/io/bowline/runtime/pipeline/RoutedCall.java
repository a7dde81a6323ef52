package io.bowline.runtime.pipeline;

import io.bowline.api.config.Route;
import io.bowline.runtime.lb.UpstreamHost;
import io.bowline.runtime.snapshot.ClusterEntry;

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
   */
  record LocalReply(int status, String responseFlags, String body) implements RoutedCall {
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
   * @param listenerName the listener that matched the call's {@code host:port}
   */
  record Upstream(Route route, ClusterEntry cluster, String listenerName) implements RoutedCall {
    /** One endpoint by the cluster's load balancer, or {@code null} if none is available. */
    public UpstreamHost pickHost() {
      return cluster.balancing().balancer().pick();
    }
  }
}
