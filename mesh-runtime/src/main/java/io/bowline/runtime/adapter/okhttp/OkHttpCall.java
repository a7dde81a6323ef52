package io.bowline.runtime.adapter.okhttp;

import io.bowline.api.config.RouteTimeouts;
import io.bowline.api.filter.ExchangeResponse;
import io.bowline.runtime.filter.mirror.ShadowSender;
import io.bowline.runtime.pipeline.CallScheduler;
import io.bowline.runtime.pipeline.CallerThreadScheduler;
import io.bowline.runtime.pipeline.HeaderEdits;
import io.bowline.runtime.pipeline.LocalResponse;
import io.bowline.runtime.pipeline.MeshExchange;
import io.bowline.runtime.pipeline.ResponseFlags;
import io.bowline.runtime.pipeline.RoutedCall;
import io.bowline.runtime.router.UpstreamCall;
import io.bowline.runtime.router.UpstreamResponse;
import io.bowline.runtime.router.UpstreamTransport;
import io.bowline.runtime.router.timeout.Deadline;
import io.bowline.runtime.routing.RequestMutation;
import io.bowline.runtime.upstream.Outcome;
import io.bowline.runtime.upstream.lb.UpstreamHost;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletionStage;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * One OkHttp call in the pipeline, as one object: the exchange's scheduler on the caller's thread, its
 * {@link MeshExchange.Upstreams} (the router's start), its shadow sender, the router's
 * {@link UpstreamTransport} (its attempts are sent by {@link OkHttpAttempts}, with the call's route deadline
 * kept here) and the caller's response. Made on the caller's thread by {@link MeshInterceptor}, one per routed
 * exchange.
 */
final class OkHttpCall extends CallerThreadScheduler
    implements MeshExchange.Upstreams, ShadowSender, UpstreamTransport<Response> {
  final Interceptor.Chain chain;
  private final Request request;
  private final OkHttpMeshRequest view;
  private MeshExchange ex; // set once, right after the exchange is made with this call as its scheduler
  private RoutedCall.Upstream upstream; // the decision the router started with
  private RoutedCall.Upstream outgoingFor;
  private Request outgoing;
  // the route timeout (or max_stream_duration) as System.nanoTime(), Long.MAX_VALUE for none
  private long deadlineNanos = Long.MAX_VALUE;
  private boolean streamDuration;
  private boolean http1;
  // the limits of the attempt whose response was returned last, when its body is still to be bounded
  // (ExchangeDeadline.bodyBounded): the caller's response wraps that body once (see respond)
  private ExchangeDeadline bodyBound;

  OkHttpCall(Interceptor.Chain chain, Request request, OkHttpMeshRequest view) {
    this.chain = chain;
    this.request = request;
    this.view = view;
  }

  /** Sets the call's exchange, made with this call as its {@link MeshExchange.Upstreams}; once. */
  void exchange(MeshExchange exchange) {
    this.ex = exchange;
  }

  /** The request with the filters' edits, the route's rewrites and header edits, and {@code Host} set. */
  private Request outgoing(RoutedCall.Upstream up) {
    if (outgoingFor == up) {
      return outgoing;
    }
    Request r = request;
    if (ex.edits() != null || up.mutation().changesRequest()) {
      Request.Builder b = request.newBuilder().header("Host", view.authority());
      if (ex.edits() != null) {
        applyEdits(b, ex.edits());
      }
      if (up.mutation().changesRequest()) {
        up.mutation().applyToRequest(ex, new OkHttpEditors.Requests(b, request.url()));
      }
      r = b.build();
    }
    outgoingFor = up;
    outgoing = r;
    return r;
  }

  private static void applyEdits(Request.Builder b, HeaderEdits edits) {
    edits.forEach(new HeaderEdits.Sink() {
      @Override
      public void replace(String name, List<String> values) {
        b.removeHeader(name);
        for (String v : values) {
          b.addHeader(name, v);
        }
      }

      /** One value as it was set (the request id, each trace header): no list per header. */
      @Override
      public void replace(String name, String value) {
        b.header(name, value);
      }
    });
  }

  /**
   * The request an attempt starts from: the caller's when the route does not rewrite it (the filters' edits then go
   * into the attempt's own builder, {@link #attemptBuilder}, so that the request is built once per attempt), else
   * the rewritten one.
   */
  private Request base(RoutedCall.Upstream up) {
    return up.mutation().changesRequest() ? outgoing(up) : request;
  }

  private String authority(Request r) {
    return r == request ? view.authority() : r.header("Host");
  }

  @Override
  public CompletionStage<ExchangeResponse> start(MeshExchange exchange, RoutedCall.Upstream up) {
    upstream = up;
    RouteTimeouts timeouts = up.route().policies().timeouts();
    // Envoy's router ignores RouteAction.timeout once the route sets max_stream_duration; the
    // stream is then capped by max_stream_duration (0: no cap) and ends in 408 when it is reached
    streamDuration = timeouts.maxStreamDuration() != null;
    deadlineNanos = Deadline.nanosAfter(Deadline.of(timeouts));
    Request r = base(up);
    http1 = OkHttpAttempts.http1(chain, r);
    RequestBody body = r.body();
    boolean replayable = body == null || (!body.isOneShot() && !body.isDuplex());
    // only auto_host_rewrite with append_x_forwarded_host reads the request's x-forwarded-host: no header lookup else
    RequestMutation m = up.mutation();
    String forwardedHost = m.autoHostRewrite() && m.appendsForwardedHost() ? forwardedHost(r) : null;
    UpstreamCall<Response> call = new UpstreamCall<>(exchange, this, replayable, Integer.MAX_VALUE, authority(r),
        forwardedHost);
    return call.start();
  }

  /** The request's {@code x-forwarded-host} values joined, or {@code null}: most requests have none. */
  private String forwardedHost(Request r) {
    // the caller's request with the filters' edits (the exchange's view), or the rewritten request, which has them
    List<String> values = r == request ? ex.headers(RequestMutation.FORWARDED_HOST_HEADER)
        : r.headers(RequestMutation.FORWARDED_HOST_HEADER);
    return values.isEmpty() ? null : String.join(",", values);
  }

  /**
   * A builder of the request sent to {@code host} with {@code Host: authority}, with the filters' edits: one per
   * attempt, to which the attempt adds its own headers and tag before building once.
   */
  Request.Builder attemptBuilder(UpstreamHost host, String authority) {
    Request r = base(upstream);
    Request.Builder b = OkHttpAttempts.attemptBuilder(r, host, authority);
    if (r == request && ex.edits() != null) {
      applyEdits(b, ex.edits());
    }
    return b;
  }

  /** The request the attempts start from (its URL, scheme and body). */
  Request attemptRequest() {
    return base(upstream);
  }

  /** Whether the attempts are HTTP/1.1 ({@link OkHttpAttempts#http1}). */
  boolean http1() {
    return http1;
  }

  /** The attempt that answered {@code response} has its body still to bound ({@code limits}), or none. */
  void answered(Response response, ExchangeDeadline limits) {
    if (limits != null && limits.bodyBounded()) {
      limits.response(response);
      bodyBound = limits;
    } else {
      bodyBound = null;
    }
  }

  @Override
  public CallScheduler scheduler() {
    return this;
  }

  // ---- UpstreamTransport

  @Override
  public InFlight send(Attempt attempt, Callbacks<Response> callbacks) {
    return OkHttpAttempts.send(this, attempt, callbacks);
  }

  @Override
  public boolean originatesTls() {
    return true;
  }

  @Override
  public long deadlineNanos() {
    return deadlineNanos;
  }

  /** Whether the route deadline has passed. */
  boolean deadlineExpired() {
    return deadlineNanos != Long.MAX_VALUE && deadlineNanos - System.nanoTime() <= 0;
  }

  @Override
  public Outcome outcome(Response response) {
    return Outcome.response(response.code(), response::header);
  }

  @Override
  public void discard(Response response) {
    response.close();
  }

  // ---- ShadowSender

  /** This call, when its request body can be sent again (a shadow is a copy of it). */
  @Override
  public Object shadowSender() {
    RequestBody body = request.body();
    return body == null || (!body.isOneShot() && !body.isDuplex()) ? this : null;
  }

  @Override
  public String authority() {
    RoutedCall r = ex.routed();
    return r instanceof RoutedCall.Upstream up ? authority(outgoing(up)) : view.authority();
  }

  @Override
  public Sent send(UpstreamHost host, String authority, boolean attemptCount, long remainingNanos,
      long connectTimeoutMillis) throws IOException {
    return OkHttpShadows.send(outgoing, host, authority, attemptCount, remainingNanos);
  }

  @Override
  public boolean connectFailure(Exception failure) {
    return OkHttpShadows.connectFailure(failure);
  }

  // ---- the caller's response

  /** The caller's response for the pipeline's result. */
  Response respond(ExchangeResponse r) throws IOException {
    String flags = ResponseFlags.join(ex.flags(), r.responseFlags());
    if (r instanceof UpstreamResponse<?> u) {
      Response response = (Response) u.response();
      Response.Builder b = response.newBuilder().request(request);
      if (!flags.isEmpty()) {
        b.header(MeshInterceptor.RESPONSE_FLAGS_HEADER, flags);
      }
      if (upstream.mutation().changesResponse()) {
        upstream.mutation().applyToResponse(new OkHttpEditors.Responses(b));
      }
      ex.responded(response.code(), -1, flags, false);
      ExchangeDeadline bound = bodyBound != null && bodyBound.response() == response ? bodyBound : null;
      bodyBound = null;
      ResponseBody body = response.body();
      boolean observed = ex.observed() && body != null;
      if (bound != null || observed) {
        b.body(new CallerBody(body, bound, observed ? ex : null));
      }
      if (!observed) {
        ex.complete();
      }
      return b.build();
    }
    LocalResponse local = r instanceof LocalResponse l ? l : LocalResponse.of(r.status(), r.responseFlags(), "");
    if (local.cause() != null && "DC".equals(local.responseFlags())) {
      ex.complete();
      if (local.cause() instanceof IOException io) {
        throw io;
      }
      throw (RuntimeException) local.cause();
    }
    Response.Builder b;
    if (streamDuration && local.status() == 504 && deadlineNanos != Long.MAX_VALUE
        && deadlineNanos - System.nanoTime() <= Deadline.SLACK_NANOS) {
      flags = ResponseFlags.join(ex.flags(), ResponseFlags.UMSDR);
      b = MeshInterceptor.localBuilder(request, 408, "downstream duration timeout");
    } else if (local.grpcStatus() >= 0) {
      b = MeshInterceptor.localBuilder(request, 200, "")
          .header("content-type", "application/grpc")
          .header("grpc-status", Integer.toString(local.grpcStatus()))
          .header("grpc-message", local.body());
    } else {
      b = MeshInterceptor.localBuilder(request, local.status(), local.body());
      local.headers().forEach(b::header);
    }
    if (!flags.isEmpty()) {
      b.header(MeshInterceptor.RESPONSE_FLAGS_HEADER, flags);
    }
    Response response = b.build();
    ex.responded(response.code(), local.grpcStatus(), flags, true);
    ex.complete();
    return response;
  }
}
