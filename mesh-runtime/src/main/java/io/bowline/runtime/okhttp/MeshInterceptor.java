package io.bowline.runtime.okhttp;

import io.bowline.runtime.lb.UpstreamHost;
import io.bowline.runtime.routing.RouteDecision;
import io.bowline.runtime.snapshot.ClusterEntry;
import io.bowline.runtime.snapshot.MeshSnapshot;
import io.bowline.runtime.snapshot.OutboundListener;
import java.io.IOException;
import java.util.function.Supplier;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.MediaType;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * The OkHttp adapter: an application interceptor that routes each call through the mesh.
 *
 * <p>A call whose {@code host:port} names a mesh listener is matched against its route
 * configuration, a cluster is chosen (weighted), then an endpoint by the cluster's load balancer;
 * the call goes to that endpoint's address with the original {@code Host} kept. Hosts the mesh
 * does not know pass through untouched. Local replies follow Envoy: 404 {@code NR} (no route),
 * 503 {@code NC} (cluster not found), 503 {@code UH} (no healthy upstream); the flags are also
 * sent in the response header {@value #RESPONSE_FLAGS_HEADER}.
 */
public final class MeshInterceptor implements Interceptor {
  /** Response header carrying Envoy response flags on local replies. */
  public static final String RESPONSE_FLAGS_HEADER = "x-bowline-response-flags";

  private final Supplier<MeshSnapshot> snapshots;

  /** @param snapshots the current snapshot, waiting for the first config if need be */
  public MeshInterceptor(Supplier<MeshSnapshot> snapshots) {
    this.snapshots = snapshots;
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    HttpUrl url = request.url();
    MeshSnapshot snapshot = snapshots.get();
    OutboundListener listener = snapshot.listener(url.host(), url.port());
    if (listener == null) {
      return chain.proceed(request);
    }
    if (listener.routes() == null) {
      return localReply(request, RouteDecision.NO_ROUTE);
    }
    OkHttpMeshRequest view = new OkHttpMeshRequest(request);
    RouteDecision decision = listener.routes().route(view);
    if (decision instanceof RouteDecision.LocalReply reply) {
      return localReply(request, reply);
    }
    RouteDecision.Forward forward = (RouteDecision.Forward) decision;
    ClusterEntry cluster = snapshot.cluster(forward.cluster());
    if (cluster == null) {
      return localReply(request, new RouteDecision.LocalReply(503, "NC", ""));
    }
    UpstreamHost host = cluster.balancing().balancer().pick();
    if (host == null) {
      return localReply(request, new RouteDecision.LocalReply(503, "UH", "no healthy upstream"));
    }
    Request upstream = request.newBuilder()
        .url(url.newBuilder().host(host.endpoint().address()).port(host.endpoint().port()).build())
        .header("Host", view.authority())
        .build();
    host.onRequestStart();
    try {
      return chain.proceed(upstream);
    } finally {
      host.onRequestEnd();
    }
  }

  private static Response localReply(Request request, RouteDecision.LocalReply reply) {
    Response.Builder b = new Response.Builder()
        .request(request)
        .protocol(Protocol.HTTP_1_1)
        .code(reply.status())
        .message(reason(reply.status()))
        .body(ResponseBody.create(reply.body(), MediaType.get("text/plain; charset=utf-8")));
    if (!reply.responseFlags().isEmpty()) {
      b.header(RESPONSE_FLAGS_HEADER, reply.responseFlags());
    }
    return b.build();
  }

  private static String reason(int status) {
    switch (status) {
      case 404:
        return "Not Found";
      case 503:
        return "Service Unavailable";
      default:
        return "";
    }
  }
}
