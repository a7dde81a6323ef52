package io.bowline.runtime.adapter.grpc;

import io.bowline.api.MeshClient;
import io.bowline.runtime.RuntimeMeshClient;
import io.grpc.ManagedChannel;

/**
 * gRPC channels on the mesh: each call is routed (listener {@code host:port}, virtual host by the
 * target as {@code :authority}, route by {@code /package.Service/Method} and metadata, cluster,
 * endpoint) and sent over a pooled plaintext channel to the chosen endpoint, with the route's
 * timeouts, retries, faults and mirrors; targets the mesh does not know are called directly.
 *
 * <pre>{@code
 * ManagedChannel reviews = BowlineGrpc.channel(mesh, "xds:///reviews.default.svc.cluster.local:9080");
 * ReviewsGrpc.ReviewsBlockingStub stub = ReviewsGrpc.newBlockingStub(reviews);
 * ...
 * reviews.shutdown();
 * }</pre>
 */
public final class BowlineGrpc {
  private BowlineGrpc() {}

  /**
   * A channel to {@code target} through {@code mesh}. The channel has the usual lifecycle:
   * {@code shutdown()} refuses new calls (UNAVAILABLE) and lets calls in flight finish,
   * {@code shutdownNow()} also cancels them, {@code awaitTermination} waits for the last one. The
   * endpoint connections belong to {@code mesh} and close with it.
   *
   * @param target {@code host:port}, {@code xds:///host:port} or {@code dns:///host:port}, e.g.
   *     {@code xds:///reviews.default.svc.cluster.local:9080}
   * @throws IllegalArgumentException if {@code mesh} is not a client built by Bowline's runtime, or
   *     {@code target} is unusable (empty, an unknown scheme, an authority, no port or a bad one),
   *     with a message naming the target
   */
  public static ManagedChannel channel(MeshClient mesh, String target) {
    RuntimeMeshClient runtime = RuntimeMeshClient.of(mesh);
    String authority = GrpcTarget.authority(target);
    return new MeshManagedChannel(
        new MeshChannel(authority, runtime.router(), runtime.attachment(EndpointChannels.class, EndpointChannels::new)));
  }
}
