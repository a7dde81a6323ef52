package io.bowline.runtime.adapter.okhttp;

import io.bowline.api.filter.ExchangeResponse;
import io.bowline.runtime.pipeline.LocalResponse;
import io.bowline.runtime.pipeline.MeshExchange;
import io.bowline.runtime.pipeline.OutboundRouter;
import io.bowline.runtime.pipeline.RoutedCall;
import io.bowline.runtime.pipeline.CallerThreadScheduler;
import io.bowline.runtime.router.UpstreamCall;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.ExecutionException;
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
 * The OkHttp adapter's entry: an application interceptor that runs each call whose
 * {@code host:port} names a mesh listener through the exchange pipeline, on the caller's own thread
 * ({@link CallerThreadScheduler}: fault delays and retry back-off are waits of that thread, no
 * hand-off): the route's filter chain (fault, the user's filters, mirroring) and the router
 * ({@link UpstreamCall}) over the call's {@link OkHttpCall}. The route's rewrites and header edits and
 * the filters' header edits are applied to the request the attempts send; the route timeout (504
 * {@code UT}; it bounds attempts, back-off and the response until its body ends; when the route
 * sets {@code max_stream_duration} that replaces it, as in Envoy, and ends in 408 {@code UMSDR}
 * "downstream duration timeout") bounds the call. Request bodies are replayed only when OkHttp
 * allows it (not one-shot, not duplex); otherwise there is no retry and no mirror. Hosts the mesh
 * does not know pass through untouched. Local replies follow Envoy: 404 {@code NR}, 503 {@code NC},
 * 503 {@code UH}, 503 {@code UO} + {@code x-envoy-overloaded}, 503 {@code UF}/{@code UC}; response
 * flags are sent in {@value #RESPONSE_FLAGS_HEADER} (on upstream responses too when there are any,
 * e.g. {@code URX}, {@code DI}). The response's {@code request()} is the request the caller made.
 *
 * <p>Before the client's first configuration the call waits for it (once per client: after the
 * initial-fetch timer has fired, calls proceed at once).
 */
public final class MeshInterceptor implements Interceptor {
  /** Response header carrying Envoy response flags. */
  public static final String RESPONSE_FLAGS_HEADER = "x-bowline-response-flags";
  /** Envoy's header on circuit-breaker overflow replies. */
  public static final String OVERLOADED_HEADER = LocalResponse.OVERLOADED_HEADER;

  private final OutboundRouter router;

  public MeshInterceptor(OutboundRouter router) {
    this.router = router;
  }

  /**
   * Adds the mesh to an OkHttp client: this interceptor as an application interceptor, and the
   * network interceptor that enforces each attempt's timeouts on the exchange
   * ({@link ExchangeDeadlineInterceptor}). A builder that has this router's mesh already (installing
   * twice, or a builder of a meshed client) is returned as it is.
   *
   * @throws IllegalStateException if another router's interceptor is installed in {@code builder}
   */
  public static OkHttpClient.Builder install(OkHttpClient.Builder builder, OutboundRouter router) {
    for (Interceptor i : builder.interceptors()) {
      if (i instanceof MeshInterceptor installed) {
        if (installed.router == router) {
          return builder;
        }
        throw new IllegalStateException("this OkHttpClient.Builder already routes through another MeshClient");
      }
    }
    return builder.addInterceptor(new MeshInterceptor(router)).addNetworkInterceptor(new ExchangeDeadlineInterceptor());
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    if (!router.ready().isDone()) {
      awaitConfiguration(request);
    }
    Response response = exchange(chain, request);
    if (response == null) {
      return chain.proceed(request); // not a mesh destination: OkHttp follows up as it does
    }
    for (int followUps = 0; ; followUps++) {
      // OkHttp's follow-ups of a routed exchange are the mesh's: each is a new routed exchange
      Request next = FollowUps.next(chain, response, followUps);
      if (next == null) {
        return response;
      }
      Response prior = response.newBuilder().body(ResponseBody.create(new byte[0], null)).build();
      response.close();
      Response r = exchange(chain, next);
      boolean routed = r != null;
      response = (routed ? r : chain.proceed(next)).newBuilder().priorResponse(prior).build();
      if (!routed) {
        return response; // OkHttp has followed up on it already
      }
    }
  }

  /** One routed exchange, or {@code null} when the mesh does not know the destination. */
  private Response exchange(Chain chain, Request request) throws IOException {
    HttpUrl url = request.url();
    OkHttpMeshRequest view = new OkHttpMeshRequest(request);
    RoutedCall routed = router.route(url.host(), url.port(), view);
    if (routed == RoutedCall.PASS_THROUGH) {
      return null;
    }
    // also the exchange's caller-thread scheduler, its shadow sender and the router's transport
    OkHttpCall call = new OkHttpCall(chain, request, view);
    MeshExchange ex = new MeshExchange("http", view, router, url.host(), url.port(),
        router.listenerName(routed, url.host(), url.port()), routed, router.chain(routed), call);
    call.exchange(ex);
    CallerThreadScheduler scheduler = call;
    RequestBody body = request.body();
    if (body != null) {
      ex.requestBodyBytes(body.contentLength());
    }
    ExchangeResponse r;
    try {
      scheduler.runUntil(ex.run());
      r = ex.result().get();
    } catch (InterruptedIOException e) {
      ex.interrupt(new LocalResponse(499, "DC", "interrupted", java.util.Map.of(), -1, e));
      scheduler.runUntil(ex.result());
      ex.complete();
      throw e;
    } catch (InterruptedException | ExecutionException e) {
      throw new IOException("mesh pipeline failed for " + url, e); // the result future never fails
    }
    return call.respond(r);
  }

  private void awaitConfiguration(Request request) throws IOException {
    try {
      router.ready().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for the mesh's first configuration: " + request.url());
    } catch (ExecutionException e) {
      throw new IOException("mesh configuration failed", e.getCause());
    }
  }

  static Response.Builder localBuilder(Request request, int status, String body) {
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
