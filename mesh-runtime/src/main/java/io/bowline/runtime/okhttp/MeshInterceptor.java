package io.bowline.runtime.okhttp;

import io.bowline.runtime.lb.UpstreamHost;
import io.bowline.runtime.pipeline.OutboundRouter;
import io.bowline.runtime.pipeline.RoutedCall;
import java.io.IOException;
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
 * the route's rewrites and header edits are applied ({@code RequestMutation}) and the call goes to
 * that endpoint's address with the (possibly rewritten) {@code Host}. Hosts the mesh
 * does not know pass through untouched. Local replies follow Envoy: 404 {@code NR} (no route),
 * 503 {@code NC} (cluster not found), 503 {@code UH} (no healthy upstream); the flags are also
 * sent in the response header {@value #RESPONSE_FLAGS_HEADER}.
 */
public final class MeshInterceptor implements Interceptor {
  /** Response header carrying Envoy response flags on local replies. */
  public static final String RESPONSE_FLAGS_HEADER = "x-bowline-response-flags";

  private final OutboundRouter router;

  public MeshInterceptor(OutboundRouter router) {
    this.router = router;
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    HttpUrl url = request.url();
    OkHttpMeshRequest view = new OkHttpMeshRequest(request);
    RoutedCall call = router.route(url.host(), url.port(), view);
    if (call instanceof RoutedCall.LocalReply reply) {
      return localReply(request, reply);
    }
    if (!(call instanceof RoutedCall.Upstream upstream)) {
      return chain.proceed(request);
    }
    UpstreamHost host = upstream.pickHost();
    if (host == null) {
      return localReply(request, RoutedCall.LocalReply.noHealthyUpstream());
    }
    Request attempt = upstreamRequest(request, view, upstream, host);
    host.onRequestStart();
    try {
      return mutateResponse(chain.proceed(attempt), upstream);
    } finally {
      host.onRequestEnd();
    }
  }

  /** The request as it goes to {@code host}: routing's rewrites and header edits applied. */
  static Request upstreamRequest(Request request, OkHttpMeshRequest view, RoutedCall.Upstream upstream, UpstreamHost host) {
    Request.Builder b = request.newBuilder().header("Host", view.authority());
    if (upstream.mutation().changesRequest()) {
      upstream.mutation().applyToRequest(view, new OkHttpEditors.Requests(b, request.url()));
    }
    Request edited = b.build();
    return edited.newBuilder()
        .url(edited.url().newBuilder().host(host.endpoint().address()).port(host.endpoint().port()).build())
        .build();
  }

  /** The response with routing's response header edits applied. */
  static Response mutateResponse(Response response, RoutedCall.Upstream upstream) {
    if (!upstream.mutation().changesResponse()) {
      return response;
    }
    Response.Builder b = response.newBuilder();
    upstream.mutation().applyToResponse(new OkHttpEditors.Responses(b));
    return b.build();
  }

  static Response localReply(Request request, RoutedCall.LocalReply reply) {
    Response.Builder b = new Response.Builder()
        .request(request)
        .protocol(Protocol.HTTP_1_1)
        .code(reply.status())
        .message(reason(reply.status()))
        .body(ResponseBody.create(reply.body(), MediaType.get("text/plain; charset=utf-8")));
    if (!reply.responseFlags().isEmpty()) {
      b.header(RESPONSE_FLAGS_HEADER, reply.responseFlags());
    }
    reply.headers().forEach(b::header);
    return b.build();
  }

  private static String reason(int status) {
    switch (status) {
      case 301:
        return "Moved Permanently";
      case 302:
        return "Found";
      case 303:
        return "See Other";
      case 307:
        return "Temporary Redirect";
      case 308:
        return "Permanent Redirect";
      case 404:
        return "Not Found";
      case 503:
        return "Service Unavailable";
      default:
        return "";
    }
  }
}
