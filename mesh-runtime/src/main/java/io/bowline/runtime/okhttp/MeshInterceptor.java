package io.bowline.runtime.okhttp;

import io.bowline.api.config.RoutePolicies;
import io.bowline.api.config.RouteTimeouts;
import io.bowline.runtime.pipeline.OutboundRouter;
import io.bowline.runtime.pipeline.RoutedCall;
import io.bowline.runtime.resilience.AttemptLoop;
import io.bowline.runtime.resilience.ResponseFlags;
import io.bowline.runtime.resilience.fault.FaultDecision;
import io.bowline.runtime.resilience.timeout.Deadline;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.TimeUnit;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * The OkHttp adapter: an application interceptor that routes each call through the mesh.
 *
 * <p>A call whose {@code host:port} names a mesh listener is matched against its route
 * configuration, a cluster is chosen (weighted), then, as Envoy's filter chain and router would:
 * fault injection ({@code DI}/{@code FI}), mirrors (fire and forget), the route's rewrites and
 * header edits ({@code RequestMutation}), the route timeout (504 {@code UT}; it bounds attempts,
 * back-off and the response until its body ends; when the route sets {@code max_stream_duration}
 * that replaces it, as in Envoy, and ends in 408 {@code UMSDR} "downstream duration timeout"),
 * and the {@link AttemptLoop} (circuit breaker 503
 * {@code UO} + {@code x-envoy-overloaded}, host pick by the cluster's load balancer and the
 * request hash without ejected hosts, retries with {@code x-envoy-attempt-count}, outlier
 * accounting). Each attempt goes to the chosen endpoint's address with the (possibly rewritten)
 * {@code Host}; under {@code auto_host_rewrite} that is the endpoint's host name, attempt by
 * attempt. Request bodies are replayed only when OkHttp allows it (not one-shot, not duplex);
 * otherwise there is no retry. Hosts the mesh does not know pass through untouched.
 * Local replies follow Envoy: 404 {@code NR}, 503 {@code NC}, 503 {@code UH}, 503
 * {@code UF}/{@code UC}; response flags are sent in {@value #RESPONSE_FLAGS_HEADER} (on upstream
 * responses too when there are any, e.g. {@code URX}, {@code DI}).
 */
public final class MeshInterceptor implements Interceptor {
  /** Response header carrying Envoy response flags. */
  public static final String RESPONSE_FLAGS_HEADER = "x-bowline-response-flags";
  /** Envoy's header on circuit-breaker overflow replies. */
  public static final String OVERLOADED_HEADER = "x-envoy-overloaded";

  private final OutboundRouter router;
  private final AttemptLoop<Response> loop;

  public MeshInterceptor(OutboundRouter router) {
    this.router = router;
    this.loop = new AttemptLoop<>(router.resilience());
  }

  /**
   * Adds the mesh to an OkHttp client: this interceptor as an application interceptor, and the
   * network interceptor that enforces each attempt's timeouts on the exchange
   * ({@link ExchangeDeadlineInterceptor}). Does nothing when {@code router}'s interceptor is already
   * there (installing twice, or a builder of a meshed client).
   *
   * @throws IllegalStateException if another router's interceptor is installed in {@code builder}
   */
  public static OkHttpClient.Builder install(OkHttpClient.Builder builder, OutboundRouter router) {
    for (Interceptor i : builder.interceptors()) {
      if (i instanceof MeshInterceptor installed) {
        if (installed.router == router) {
          return builder; // installed already: a second install, or a builder of a meshed client
        }
        throw new IllegalStateException("this OkHttpClient.Builder already routes through another MeshClient");
      }
    }
    return builder.addInterceptor(new MeshInterceptor(router)).addNetworkInterceptor(new ExchangeDeadlineInterceptor());
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
    RoutePolicies policies = upstream.route().policies();
    String flags = "";
    if (policies.fault() != null && policies.fault().injects()) {
      FaultDecision fault = router.resilience().fault(policies.fault()).decide(view, upstream.cluster().cluster().name());
      if (fault != null) {
        try {
          if (fault.delays()) {
            sleep(fault.delayMillis());
          }
          if (fault.aborts()) {
            return abortReply(request, fault);
          }
        } finally {
          fault.finish();
        }
        flags = ResponseFlags.DI;
      }
    }
    // without edits, each attempt sets Host to the authority itself
    Request outgoing = upstream.mutation().changesRequest() ? edited(request, view, upstream) : request;
    String authority = outgoing == request ? view.authority() : outgoing.header("Host");
    if (!policies.mirrors().isEmpty()) {
      // as Envoy's router: the shadow is the request as the route rewrote it, before an attempt picks its host
      OkHttpMirror.mirror(router, policies.mirrors(), Deadline.of(policies.timeouts()).toNanos(), outgoing, authority,
          policies.includeAttemptCount());
    }
    return mutateResponse(forward(chain, outgoing, authority, upstream, policies, flags), upstream);
  }

  private Response forward(
      Chain chain, Request request, String authority, RoutedCall.Upstream upstream, RoutePolicies policies,
      String flags) throws IOException {
    RouteTimeouts timeouts = policies.timeouts();
    // Envoy's router ignores RouteAction.timeout once the route sets max_stream_duration; the
    // stream is then capped by max_stream_duration (0: no cap) and ends in 408 when it is reached
    boolean streamDuration = timeouts.maxStreamDuration() != null;
    Deadline deadline = Deadline.after(Deadline.of(timeouts));
    RequestBody body = request.body();
    boolean replayable = body == null || (!body.isOneShot() && !body.isDuplex());
    OkHttpTransport transport = new OkHttpTransport(chain, request, authority, upstream.mutation(),
        policies.includeAttemptCount(), deadline,
        upstream.cluster().cluster().optionsOrNone().connectTimeoutMs());
    AttemptLoop.Result<Response> result;
    try {
      result = loop.run(upstream.cluster(), policies, upstream.hash(), replayable, deadline, transport);
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting to retry " + request.url());
    } catch (Exception e) {
      throw new IOException(e);
    }
    if (result instanceof AttemptLoop.Local<Response> local) {
      if (streamDuration && local.status() == 504 && deadline.expiredOrDue()) {
        return localBuilder(request, 408, "downstream duration timeout")
            .header(RESPONSE_FLAGS_HEADER, ResponseFlags.join(flags, ResponseFlags.UMSDR)).build();
      }
      Response.Builder b = localBuilder(request, local.status(), local.body())
          .header(RESPONSE_FLAGS_HEADER, ResponseFlags.join(flags, local.responseFlags()));
      if (local.overloaded()) {
        b.header(OVERLOADED_HEADER, "true");
      }
      return b.build();
    }
    AttemptLoop.Upstream<Response> up = (AttemptLoop.Upstream<Response>) result;
    Response response = up.response();
    String all = ResponseFlags.join(flags, up.responseFlags());
    if (all.isEmpty()) {
      return response;
    }
    return response.newBuilder().header(RESPONSE_FLAGS_HEADER, all).build();
  }

  private static void sleep(long millis) throws IOException {
    try {
      TimeUnit.MILLISECONDS.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted during an injected fault delay");
    }
  }

  private static Response abortReply(Request request, FaultDecision fault) {
    if (fault.httpStatus() > 0) {
      return localBuilder(request, fault.httpStatus(), "fault filter abort")
          .header(RESPONSE_FLAGS_HEADER, fault.responseFlags())
          .build();
    }
    return localBuilder(request, 200, "")
        .header("content-type", "application/grpc")
        .header("grpc-status", Integer.toString(fault.grpcStatus()))
        .header("grpc-message", "fault filter abort")
        .header(RESPONSE_FLAGS_HEADER, fault.responseFlags())
        .build();
  }

  /**
   * The request with routing's rewrites and header edits applied and {@code Host} set; the
   * endpoint address is filled in per attempt.
   */
  static Request edited(Request request, OkHttpMeshRequest view, RoutedCall.Upstream upstream) {
    Request.Builder b = request.newBuilder().header("Host", view.authority());
    if (upstream.mutation().changesRequest()) {
      upstream.mutation().applyToRequest(view, new OkHttpEditors.Requests(b, request.url()));
    }
    return b.build();
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
    Response.Builder b = localBuilder(request, reply.status(), reply.body());
    if (!reply.responseFlags().isEmpty()) {
      b.header(RESPONSE_FLAGS_HEADER, reply.responseFlags());
    }
    reply.headers().forEach(b::header);
    return b.build();
  }

  private static Response.Builder localBuilder(Request request, int status, String body) {
    return new Response.Builder()
        .request(request)
        .protocol(Protocol.HTTP_1_1)
        .code(status)
        .message(reason(status))
        .body(ResponseBody.create(body, MediaType.get("text/plain; charset=utf-8")));
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
      case 408:
        return "Request Timeout";
      case 500:
        return "Internal Server Error";
      case 503:
        return "Service Unavailable";
      case 504:
        return "Gateway Timeout";
      default:
        return "";
    }
  }
}
