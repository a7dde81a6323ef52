package io.bowline.proxy.outbound;

import io.bowline.api.config.RouteTimeouts;
import io.bowline.api.filter.ExchangeResponse;
import io.bowline.runtime.pipeline.LocalResponse;
import io.bowline.runtime.pipeline.MeshExchange;
import io.bowline.runtime.pipeline.OutboundRouter;
import io.bowline.runtime.pipeline.ResponseFlags;
import io.bowline.runtime.pipeline.RoutedCall;
import io.bowline.runtime.router.UpstreamCall;
import io.bowline.runtime.router.UpstreamResponse;
import io.bowline.runtime.router.timeout.Deadline;
import io.bowline.runtime.routing.RequestMutation;
import io.bowline.runtime.upstream.Outcome;
import io.bowline.proxy.http1.Http1Bytes;
import io.bowline.proxy.http1.Http1Fields;
import io.bowline.proxy.http1.Http1Request;
import io.bowline.proxy.http1.Http1Response;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.Iterator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.bowline.runtime.pipeline.ConstantHeader;
import io.bowline.runtime.pipeline.HeaderEdits;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * One request through the proxy, from its head to the end of its response, on the downstream
 * connection's event loop. Its body is kept up to {@code bufferBytes} so the router may retry it
 * (Envoy's {@code retry_shadow_buffer_limit}), whether it arrived whole before the request was
 * dispatched or streams to an attempt in later reads (an HTTP/2 or gRPC body after its headers): a
 * retry sends what was kept, then what follows. Past the limit the copy is dropped and the attempt in
 * flight is the last, as Envoy gives up a retry; a body mirrored must be whole at dispatch. It is then routed
 * by the mesh (the library's {@link OutboundRouter}, {@link MeshExchange} and {@link UpstreamCall}
 * over {@link NettyTransport}), passed through to its own address when the mesh does not know the
 * host (Istio's {@code ALLOW_ANY}) or answered 502 {@code NR} under {@code REGISTRY_ONLY}, or, on
 * an inbound listener, forwarded to the local application. The committed response streams back
 * with flow control both ways: a downstream that does not read stops the upstream reads.
 */
final class OutboundExchange implements MeshExchange.Upstreams {
  /** Response header carrying Envoy response flags, as the library's adapters send it. */
  static final String RESPONSE_FLAGS_HEADER = "x-bowline-response-flags";

  /** Netty's HTTP/2-to-HTTP/1 conversion headers ({@code x-http2-stream-id}...): never forwarded. */
  private static final String HTTP2_EXTENSION = "x-http2-";

  /** Request fields never forwarded as received: hop-by-hop ones, and those set per attempt or answered here. */
  private static final AsciiString[] NOT_FORWARDED = {HttpHeaderNames.CONNECTION, HttpHeaderNames.KEEP_ALIVE,
      AsciiString.cached("proxy-connection"), HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.UPGRADE,
      HttpHeaderNames.TRAILER, HttpHeaderNames.PROXY_AUTHENTICATE, HttpHeaderNames.HOST, HttpHeaderNames.CONTENT_LENGTH,
      HttpHeaderNames.EXPECT};

  /** {@link #NOT_FORWARDED} in lower case, for comparing received fields in place. */
  private static final String[] NOT_FORWARDED_LOWER = {"connection", "keep-alive", "proxy-connection",
      "transfer-encoding", "upgrade", "trailer", "proxy-authenticate", "host", "content-length", "expect"};

  private static final List<String> HOP_BY_HOP = List.of("connection", "keep-alive", "proxy-connection",
      "transfer-encoding", "te", "upgrade", "trailer", "proxy-authenticate");

  /** Fields RFC 9110 §6.5.1 keeps out of trailers: never forwarded from a request's trailer section. */
  private static final List<String> TRAILER_PROHIBITED = List.of("content-length", "transfer-encoding", "host",
      "connection", "keep-alive", "te", "trailer", "upgrade", "content-type", "authorization", "expect");

  private final OutboundHandler conn;
  private final ChannelHandlerContext ctx;
  private final HttpRequest request;
  private final Target target;
  private final ProxyRequest view;
  private final boolean keepAlive;
  /** A gRPC call ({@code content-type: application/grpc...}): local replies are gRPC statuses. */
  private final boolean grpc;
  /** The WebSocket upgrade asked for, or {@code null}. */
  private final String upgrade;
  private HttpHeaders requestTrailers;
  private String committedFlags;
  private boolean endedAtHead;
  /** The request body kept so far ({@code null} until its first bytes: most requests have none). */
  private List<ByteBuf> body;
  private long bodyBytes;
  private boolean bodyEnded;
  private boolean dispatched;
  private boolean streaming;
  private LoopScheduler scheduler; // the exchange's: its connection's, taken when the exchange is made
  /** Whether {@link #body} holds every byte of the body so far, for another attempt. */
  private boolean replayable = true;
  private AttemptIo streamTo;
  private MeshExchange ex;
  private UpstreamCall<AttemptIo> call;
  private RoutedCall.Upstream upstream;
  private AttemptIo committed;
  private Outcome committedOutcome;
  private boolean responded;
  /** The exchange's result is the router's call, which answers through {@link #callAnswered}. */
  private boolean answeredByCall;
  private boolean done;
  private boolean headOnly;
  private boolean chunkedDownstream;
  /** The committed response goes downstream as bytes, written here (see {@link #respondBytes}); else {@code null}. */
  private ChannelHandlerContext bytesOut;
  /**
   * The byte-level response head, not yet written: a body that ends in the same read joins it, so a
   * small response leaves as one buffer (one outbound-buffer entry, one {@code send}).
   */
  private ByteBuf pendingHead;
  private HttpHeaders outgoingHeaders;
  private RoutedCall.Upstream outgoingRoute;
  private String outgoingAuthority;
  private String outgoingPath;
  /** The filters' header edits the request goes upstream with ({@code null}: none). */
  private HeaderEdits outgoingEdits;
  /** The fields named by the request's {@code Connection}, once asked. */
  private List<String> connectionNamed;
  /** On a listener with a guard (the inbound listener), what {@link RequestGuard#answered} reports; else {@code null}. */
  private final Guarded guarded;

  /**
   * What a listener's {@link RequestGuard} is told of an exchange when it ends: made only on such a listener, so
   * that the exchanges of the others carry none of it.
   */
  private static final class Guarded {
    final long startNanos = System.nanoTime();
    long responseBytes;
    int status;
    int grpcStatus = -1;
    String flags = "";
    String kept;
  }

  OutboundExchange(OutboundHandler conn, ChannelHandlerContext ctx, HttpRequest request, Target target) {
    this.conn = conn;
    this.ctx = ctx;
    this.request = request;
    this.target = target;
    this.view = new ProxyRequest(request.method().name(), target.authority(), target.path(), request, conn);
    List<String> connection = connectionTokens(Http1Request.headers(request, "connection"));
    // RFC 9112 §9.3: HTTP/1.1 persists unless "close"; HTTP/1.0 only with "keep-alive"
    this.keepAlive = !connection.contains("close")
        && (request.protocolVersion().isKeepAliveDefault() || connection.contains("keep-alive"));
    this.headOnly = request.method().equals(HttpMethod.HEAD);
    String type = Http1Request.header(request, "content-type");
    this.grpc = type != null && type.regionMatches(true, 0, "application/grpc", 0, 16);
    this.upgrade = conn.http2() || Http1Request.header(request, "upgrade") == null ? null : websocketUpgrade(request.headers());
    this.guarded = conn.listener().guard() != null ? new Guarded() : null;
  }

  /**
   * The request's {@code Upgrade} value when it asks for a WebSocket ({@code Connection: upgrade},
   * {@code Upgrade: websocket}), the one upgrade Istio's connection managers allow
   * ({@code upgrade_configs: [{upgrade_type: websocket}]}); else {@code null}, and any other
   * {@code Upgrade} (h2c included) is dropped as Envoy drops it.
   */
  private static String websocketUpgrade(HttpHeaders h) {
    String upgrade = h.get(HttpHeaderNames.UPGRADE);
    if (upgrade == null || !upgrade.trim().equalsIgnoreCase("websocket")
        || !connectionTokens(h.getAll(HttpHeaderNames.CONNECTION)).contains("upgrade")) {
      return null;
    }
    return upgrade.trim();
  }

  /** The request's head arrived: a request without a body is dispatched at once. */
  void begin() {
    if (!conn.http2() && Http1Request.header(request, "transfer-encoding") == null && declaredLength() <= 0) {
      bodyEnded = true;
    }
  }

  /** A chunk of the request body (ownership passes). */
  void requestContent(HttpContent c) {
    boolean last = c instanceof LastHttpContent;
    ByteBuf b = c.content();
    if (done) {
      c.release();
      return;
    }
    if (last && !((LastHttpContent) c).trailingHeaders().isEmpty()) {
      requestTrailers = ((LastHttpContent) c).trailingHeaders();
      // fields a trailer section must not carry (framing, routing, connection) are not forwarded
      for (String n : TRAILER_PROHIBITED) {
        requestTrailers.remove(n);
      }
      if (requestTrailers.isEmpty()) {
        requestTrailers = null;
      }
    }
    if (dispatched && streaming) {
      bodyBytes += b.readableBytes();
      if (replayable && bodyBytes > conn.listener().limits().bufferBytes()) {
        stopKeeping(true);
        if (done) { // the call ended there (507: a retry was waiting out its back-off)
          b.release();
          return;
        }
      }
      if (streamTo != null && streamTo.connected()) {
        ByteBuf out = b;
        if (replayable) { // kept for a retry: the attempt gets a duplicate
          out = b.retainedDuplicate();
          keep(b);
        }
        streamTo.writeBody(last ? lastContent(out) : new DefaultHttpContent(out), true);
        if (!streamTo.writable()) {
          ctx.channel().config().setAutoRead(false);
        }
      } else {
        keep(b);
        if (!replayable) {
          ctx.channel().config().setAutoRead(false); // until the attempt is connected
        }
        // a kept body is read on up to the buffer limit while no attempt takes it (a retry's back-off, a
        // connect): as Envoy's router, which ends a call in back-off with 507 once the body outgrows the limit
      }
      bodyEnded = last;
      return;
    }
    if (b.isReadable()) {
      keep(b);
      bodyBytes += b.readableBytes();
    } else {
      b.release();
    }
    if (last) {
      bodyEnded = true;
    }
    if (!dispatched && (bodyEnded || bodyBytes > conn.listener().limits().bufferBytes())) {
      streaming = !bodyEnded;
      replayable = bodyEnded;
      dispatch();
    }
  }

  /**
   * A request whose body has not ended by the end of a read batch starts streaming to its upstream
   * (a gRPC client or server stream waits for responses before it ends its side): called when an
   * HTTP/2 stream's read batch ends.
   */
  void readBatchEnded() {
    if (!dispatched && !bodyEnded && !done && conn.http2()) {
      streaming = true;
      dispatch();
    }
  }

  private void keep(ByteBuf b) {
    if (body == null) {
      body = new ArrayList<>(2);
    }
    body.add(b);
  }

  /** The request's end: {@code b} and the request's trailers, if it had any. */
  private LastHttpContent lastContent(ByteBuf b) {
    LastHttpContent last = new DefaultLastHttpContent(b);
    if (requestTrailers != null) {
      last.trailingHeaders().set(requestTrailers);
    }
    return last;
  }

  /** Whether the body can be sent again (every byte of it so far is kept). */
  boolean replayable() {
    return replayable;
  }

  /**
   * The body is no longer kept for another attempt: it outgrew the buffer limit ({@code overflowed}; the
   * router makes no further attempt), or an attempt's response was committed. What the streaming attempt
   * has been sent is let go; what it has not stays queued for it.
   */
  private void stopKeeping(boolean overflowed) {
    replayable = false;
    if (streamTo != null && streamTo.connected()) {
      release();
    }
    if (overflowed && call != null) {
      call.requestBufferOverflowed();
    }
  }

  private void dispatch() {
    dispatched = true;
    OutboundRouter router = conn.listener().router();
    if (router == null) {
      RequestGuard guard = conn.listener().guard();
      if (guarded != null) {
        guarded.kept = guard.keep(request.headers());
      }
      LocalResponse refused = guard == null ? null : guard.admit(connection(), request.method().name(), target.path(),
          target.authority(), request.headers());
      if (refused != null) {
        localReply(refused, "");
        return;
      }
      passThrough(key(conn.listener().forwardHost(), conn.listener().forwardPort(), null));
      return;
    }
    if (!router.ready().isDone()) {
      router.ready().whenComplete((v, e) -> ctx.executor().execute(this::route));
      return;
    }
    route();
  }

  private void route() {
    if (done) {
      return;
    }
    OutboundRouter router = conn.listener().router();
    RoutedCall routed = router.route(routeHost(), routePort(), view);
    if (routed == RoutedCall.PASS_THROUGH && conn.listener().gatewayRoute() != null) {
      localReply(LocalResponse.of(RoutedCall.LocalReply.NO_ROUTE), "");
      return;
    }
    if (routed == RoutedCall.PASS_THROUGH) {
      if (conn.listener().registryOnly()) {
        localReply(LocalResponse.of(502, "NR", "no mesh listener for " + target.host() + ":" + target.port()
            + " and the outbound traffic policy is REGISTRY_ONLY"), "");
        return;
      }
      passThrough(key(target.host(), target.port(), null));
      return;
    }
    scheduler = conn.scheduler();
    ex = new MeshExchange(grpc ? "grpc" : "http", view, router, routeHost(), routePort(),
        router.listenerName(routed, routeHost(), routePort()), routed, router.chain(routed), this);
    ex.requestBodyBytes(bodyEnded ? bodyBytes : -1);
    CompletableFuture<ExchangeResponse> result = ex.run();
    if (result == call && !result.isDone()) {
      answeredByCall = true; // the chain passed the router's stage on: the call hands its answer over (callAnswered)
    } else {
      result.whenComplete((r, e) -> respond(r)); // a filter's own stage, or answered already
    }
  }

  /**
   * The router's call completed with {@code r} ({@link NettyTransport#answered}): when the exchange's result is that
   * call, this is its answer, taken without a dependent stage on the call.
   */
  void callAnswered(ExchangeResponse r) {
    if (answeredByCall && call.getNow(null) == r) {
      respond(r);
    }
  }

  /** The downstream connection: the channel, or for an HTTP/2 stream its parent connection. */
  private io.netty.channel.Channel connection() {
    io.netty.channel.Channel c = ctx.channel();
    return c instanceof io.netty.handler.codec.http2.Http2StreamChannel stream ? stream.parent() : c;
  }

  /** The host of the listener that routes this request: the destination's, or a gateway chain's route. */
  private String routeHost() {
    return conn.listener().gatewayRoute() != null ? conn.listener().gatewayRoute() : target.host();
  }

  private int routePort() {
    return conn.listener().gatewayRoute() != null ? conn.listener().gatewayPort() : target.port();
  }

  // ---- the router's start (MeshExchange.Upstreams)

  @Override
  public LoopScheduler scheduler() {
    return scheduler;
  }

  /** A body that is all buffered can be shadowed ({@code request_mirror_policies}); a streaming one not. */
  @Override
  public Object shadowSender() {
    return streaming ? null : new NettyShadows(this);
  }

  @Override
  public CompletionStage<ExchangeResponse> start(MeshExchange exchange, RoutedCall.Upstream up) {
    upstream = up;
    RouteTimeouts timeouts = up.route().policies().timeouts();
    long deadline = Deadline.nanosAfter(Deadline.of(timeouts)); // no Deadline object per request
    String authority = outgoing(exchange, up);
    List<String> fh = outgoingValues(RequestMutation.FORWARDED_HOST_HEADER);
    String forwarded = fh.isEmpty() ? null : String.join(",", fh);
    call = new UpstreamCall<>(exchange, new NettyTransport(this, deadline), replayable(), Integer.MAX_VALUE, authority,
        forwarded);
    return call.start();
  }

  /**
   * The request as the route sends it: the filters' header edits and the route's rewrites applied
   * to the forwarded headers and path (once per exchange). Returns the rewritten authority.
   */
  private String outgoing(MeshExchange exchange, RoutedCall.Upstream up) {
    if (outgoingAuthority != null && outgoingRoute == up) {
      return outgoingAuthority;
    }
    outgoingRoute = up;
    outgoingEdits = exchange.edits();
    outgoingHeaders = null;
    outgoingAuthority = target.authority();
    outgoingPath = target.path();
    if (up.mutation().changesRequest()) {
      NettyEditors editor = new NettyEditors(outgoingHeaders(), outgoingPath, outgoingAuthority);
      up.mutation().applyToRequest(exchange, editor);
      outgoingPath = editor.path;
      outgoingAuthority = editor.authority;
    }
    return outgoingAuthority;
  }

  /**
   * The forwarded headers with the filters' edits applied, as Netty's map: built when something needs
   * the map (a route's header edits, an HTTP/2 upstream, a shadow); an HTTP/1.1 attempt writes the
   * same fields from the received head and the edits without it ({@link #writeHead}).
   */
  private HttpHeaders outgoingHeaders() {
    if (outgoingHeaders == null) {
      HttpHeaders h = forwardedHeaders();
      if (outgoingEdits != null) {
        outgoingEdits.forEach((name, values) -> {
          h.remove(name);
          for (String v : values) {
            h.add(name, v);
          }
        });
      }
      outgoingHeaders = h;
    }
    return outgoingHeaders;
  }

  /** The values {@code lowerName} goes upstream with (before the attempt's own fields). */
  private List<String> outgoingValues(String lowerName) {
    if (outgoingHeaders != null) {
      return outgoingHeaders.getAll(lowerName);
    }
    List<String> edited = outgoingEdits == null ? null : outgoingEdits.values(lowerName);
    if (edited != null) {
      return edited;
    }
    return forwarded(lowerName, "") ? Http1Request.headers(request, lowerName) : List.of();
  }

  /**
   * Writes the edited fields, those {@link #writeHead} did not override, into {@link #out}: one per event-loop
   * thread ({@link #EDITED_FIELDS}), set for each head, so that a head with edits makes no object for them. A
   * constant header (the peer metadata filter's) is copied as its field line, encoded once per configuration.
   */
  private static final class EditedFields implements HeaderEdits.Sink {
    ByteBuf out;
    String forwardedHost;
    int attemptCount;

    @Override
    public void replace(String lowerName, List<String> values) {
      if (attemptOverrides(lowerName, forwardedHost, attemptCount)) {
        return;
      }
      for (int i = 0; i < values.size(); i++) {
        Http1Bytes.editedField(out, lowerName, values.get(i));
      }
    }

    @Override
    public void replace(String lowerName, String value) {
      if (!attemptOverrides(lowerName, forwardedHost, attemptCount)) {
        Http1Bytes.editedField(out, lowerName, value);
      }
    }

    @Override
    public void replace(ConstantHeader header) {
      byte[] line = header.fieldLine();
      if (line == null) {
        replace(header.name(), header.value());
      } else if (!attemptOverrides(header.name(), forwardedHost, attemptCount)) {
        out.writeBytes(line);
      }
    }
  }

  private static final FastThreadLocal<EditedFields> EDITED_FIELDS = new FastThreadLocal<>() {
    @Override
    protected EditedFields initialValue() {
      return new EditedFields();
    }
  };

  /**
   * The request for a shadow (the mirror filter, just before the router): as the route sends it,
   * with a copy of the buffered body, since the shadow is sent from a mirror thread after this
   * exchange may have ended.
   */
  NettyShadows.Request shadowRequest() {
    RoutedCall.Upstream up = (RoutedCall.Upstream) ex.routed();
    String authority = outgoing(ex, up);
    byte[] copy = new byte[(int) bodyBytes];
    int at = 0;
    for (ByteBuf b : body == null ? List.<ByteBuf>of() : body) {
      int n = b.readableBytes();
      b.getBytes(b.readerIndex(), copy, at, n);
      at += n;
    }
    return new NettyShadows.Request(request.method(), outgoingPath, authority, outgoingHeaders().copy(), copy,
        conn.http2(), conn.pool());
  }

  /** The request's headers without hop-by-hop fields, framing and {@code Host} (set per attempt). */
  private HttpHeaders forwardedHeaders() {
    HttpHeaders out = DefaultHttpHeadersFactory.headersFactory().withValidation(false).newHeaders();
    for (Iterator<Map.Entry<CharSequence, CharSequence>> it = request.headers().iteratorCharSequence(); it.hasNext(); ) {
      Map.Entry<CharSequence, CharSequence> e = it.next();
      if (forwarded(e.getKey(), e.getValue())) {
        out.add(e.getKey(), e.getValue());
      }
    }
    if (upgrade != null) {
      out.set(HttpHeaderNames.CONNECTION, "upgrade");
      out.set(HttpHeaderNames.UPGRADE, upgrade);
    }
    return out;
  }

  /**
   * Whether a received request field goes upstream: not hop-by-hop (the one {@code TE: trailers},
   * which gRPC needs, excepted), not named by {@code Connection}, not {@code Host},
   * {@code Content-Length} or {@code Expect} (set per attempt, or answered here), not Netty's
   * HTTP/2 conversion fields.
   */
  private boolean forwarded(CharSequence name, CharSequence value) {
    if (AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.TE)) {
      return AsciiString.contentEqualsIgnoreCase(AsciiString.trim(value), HttpHeaderValues.TRAILERS);
    }
    for (AsciiString n : NOT_FORWARDED) {
      if (AsciiString.contentEqualsIgnoreCase(name, n)) {
        return false;
      }
    }
    if (name.length() > HTTP2_EXTENSION.length() && AsciiString.regionMatches(name, true, 0, HTTP2_EXTENSION, 0,
        HTTP2_EXTENSION.length())) {
      return false;
    }
    if (connectionNamed == null) {
      connectionNamed = connectionTokens(Http1Request.headers(request, "connection"));
    }
    return connectionNamed.isEmpty() || !connectionNamed.contains(name.toString().toLowerCase(Locale.ROOT));
  }

  /**
   * {@link #forwarded}, {@link #attemptOverrides} and {@link #edited} for received field {@code i},
   * compared in place: no name or value view per field on the byte-level path.
   */
  private boolean forwardedField(Http1Fields raw, int i, String forwardedHost, int attemptCount) {
    if (raw.nameIs(i, "te")) { // TE: trailers goes (gRPC needs it), whatever Connection names
      if (!raw.valueIs(i, "trailers")) {
        return false;
      }
    } else {
      for (String n : NOT_FORWARDED_LOWER) {
        if (raw.nameIs(i, n)) {
          return false;
        }
      }
      if (raw.nameStartsWith(i, HTTP2_EXTENSION) && !raw.nameIs(i, HTTP2_EXTENSION)) {
        return false;
      }
      if (connectionNamed == null) {
        connectionNamed = connectionTokens(Http1Request.headers(request, "connection"));
      }
      for (int k = 0; k < connectionNamed.size(); k++) {
        if (raw.nameIs(i, connectionNamed.get(k))) {
          return false;
        }
      }
    }
    if (forwardedHost != null && raw.nameIs(i, RequestMutation.FORWARDED_HOST_HEADER)
        || attemptCount > 0 && raw.nameIs(i, NettyTransport.ATTEMPT_COUNT)) {
      return false;
    }
    HeaderEdits edits = outgoingEdits;
    int edited = edits == null ? 0 : edits.size();
    for (int k = 0; k < edited; k++) {
      if (raw.nameIs(i, edits.name(k))) {
        return false;
      }
    }
    return true;
  }

  /** Whether a filter edited {@code name}: its values go upstream as the edit has them. */
  private boolean edited(CharSequence name) {
    HeaderEdits edits = outgoingEdits;
    int n = edits == null ? 0 : edits.size();
    for (int i = 0; i < n; i++) {
      if (AsciiString.contentEqualsIgnoreCase(name, edits.name(i))) {
        return true;
      }
    }
    return false;
  }

  /** Whether an attempt writes {@code lowerName} itself (from its authority, framing and retry state). */
  private static boolean attemptOverrides(CharSequence name, String forwardedHost, int attemptCount) {
    return AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.HOST)
        || AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.CONTENT_LENGTH)
        || AsciiString.contentEqualsIgnoreCase(name, HttpHeaderNames.TRANSFER_ENCODING)
        || forwardedHost != null && AsciiString.contentEqualsIgnoreCase(name, RequestMutation.FORWARDED_HOST_HEADER)
        || attemptCount > 0 && AsciiString.contentEqualsIgnoreCase(name, NettyTransport.ATTEMPT_COUNT);
  }

  private static List<String> connectionTokens(List<String> values) {
    if (values.isEmpty()) {
      return List.of();
    }
    List<String> named = new ArrayList<>();
    for (String v : values) {
      for (String t : v.split(",")) {
        named.add(t.trim().toLowerCase(Locale.ROOT));
      }
    }
    return named;
  }

  /**
   * The upstream endpoint {@code host:port} with {@code tls}, spoken to in the downstream's
   * protocol (Envoy's {@code USE_DOWNSTREAM_PROTOCOL}, what Istio's passthrough cluster and an
   * inbound listener's application get).
   */
  UpstreamPool.Key key(String host, int port, io.bowline.runtime.tls.UpstreamTlsHandle tls) {
    return conn.pool().key(host, port, tls, conn.http2());
  }

  /**
   * An endpoint of the routed cluster, spoken to in the cluster's protocol: HTTP/2 for
   * {@code explicit_http_config.http2_protocol_options} (istiod's GRPC/HTTP2 ports) whatever the
   * downstream speaks, the downstream's for {@code use_downstream_protocol_config}, else HTTP/1.1.
   */
  UpstreamPool.Key clusterKey(String host, int port, io.bowline.runtime.tls.UpstreamTlsHandle tls) {
    boolean http2 = switch (upstream.cluster().cluster().optionsOrNone().httpProtocol()) {
      case HTTP2 -> true;
      case USE_DOWNSTREAM -> conn.http2();
      case HTTP1 -> false;
    };
    return conn.pool().key(host, port, tls, http2);
  }

  /** Makes one upstream attempt for {@code key} (the transport's, or a pass-through's). */
  AttemptIo attempt(UpstreamPool.Key key, String authority, String forwardedHost, int attemptCount, int connectTimeoutMillis,
      AttemptIo.Result result) {
    boolean noBody = bodyEnded && bodyBytes == 0 && requestTrailers == null;
    AttemptIo io = new AttemptIo(this, conn.pool(), key, request.method(), noBody, result, connectTimeoutMillis);
    io.head(authority, forwardedHost, attemptCount,
        key.http2() ? nettyRequest(authority, forwardedHost, attemptCount, noBody) : null);
    if (streaming) {
      streamTo = io;
    }
    return io;
  }

  /** The length the upstream request announces: the body's when it is all here, else the client's, or -1 (chunked). */
  private long upstreamLength() {
    if (bodyEnded) {
      return bodyBytes > 0 || !request.method().equals(HttpMethod.GET) && !headOnly ? bodyBytes : -2;
    }
    return declaredLength();
  }

  /** The request's {@code Content-Length}, or -1 when it has none. */
  private long declaredLength() {
    String cl = Http1Request.header(request, "content-length");
    if (cl == null) {
      return -1;
    }
    int comma = cl.indexOf(','); // a list of equal lengths (the decoder checked them) is one length
    return Long.parseLong((comma < 0 ? cl : cl.substring(0, comma)).trim());
  }

  /** An attempt's request as Netty's message, for an HTTP/2 upstream (its codec converts it to frames). */
  private HttpRequest nettyRequest(String authority, String forwardedHost, int attemptCount, boolean noBody) {
    HttpHeaders h = outgoingHeaders().copy();
    h.set(HttpHeaderNames.HOST, authority);
    if (forwardedHost != null) {
      h.set(RequestMutation.FORWARDED_HOST_HEADER, forwardedHost);
    }
    if (attemptCount > 0) {
      h.set(NettyTransport.ATTEMPT_COUNT, Integer.toString(attemptCount));
    }
    long length = upstreamLength();
    if (length >= 0) {
      h.set(HttpHeaderNames.CONTENT_LENGTH, length);
    } else if (length == -1) {
      h.set(HttpHeaderNames.TRANSFER_ENCODING, "chunked");
    }
    // a request without a body goes out as one message: its head, written and flushed once
    return noBody
        ? new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, request.method(), outgoingPath, Unpooled.EMPTY_BUFFER, h,
            EmptyHttpHeaders.INSTANCE)
        : new DefaultHttpRequest(HttpVersion.HTTP_1_1, request.method(), outgoingPath, h);
  }

  /**
   * Writes an attempt's HTTP/1.1 request head to {@code to} as bytes, in one buffer, not flushed:
   * the request line with the route's path, {@code Host} (the attempt's authority), the forwarded
   * fields (hop-by-hop ones already left out, the filters' and the route's edits applied), the
   * attempt's {@code x-forwarded-host} and {@code x-envoy-attempt-count}, and the framing. Returns
   * whether the body goes chunked. Request trailers go to HTTP/2 upstreams only: Envoy's HTTP/1
   * codec drops them unless the cluster's {@code http_protocol_options} set {@code enable_trailers}
   * (Istio does not), and trailer-unaware HTTP/1.1 servers break on them; a streamed chunked body
   * keeps them.
   */
  boolean writeHead(ChannelHandlerContext to, String authority, String forwardedHost, int attemptCount) {
    ByteBuf out = HeadBuffer.take(to, 512);
    ByteBufUtil.writeAscii(out, request.method().name());
    out.writeByte(' ');
    ByteBufUtil.writeAscii(out, outgoingPath);
    out.writeBytes(Http1Bytes.HTTP_1_1_CRLF);
    Http1Bytes.field(out, "host", authority);
    if (outgoingHeaders != null) {
      for (Iterator<Map.Entry<CharSequence, CharSequence>> it = outgoingHeaders.iteratorCharSequence(); it.hasNext(); ) {
        Map.Entry<CharSequence, CharSequence> e = it.next();
        if (!attemptOverrides(e.getKey(), forwardedHost, attemptCount)) {
          Http1Bytes.field(out, e.getKey(), e.getValue());
        }
      }
    } else {
      // the received fields as they go upstream, then the filters' edits (what outgoingHeaders() would hold)
      Http1Request received = request instanceof Http1Request r && r.fields() != null ? r : null;
      if (received != null) {
        Http1Fields raw = received.fields();
        for (int i = 0; i < raw.count(); i++) {
          if (!received.replaced(i) && forwardedField(raw, i, forwardedHost, attemptCount)) {
            raw.writeField(i, out);
          }
        }
        String set = received.setName();
        if (set != null && forwarded(set, received.setValue()) && !attemptOverrides(set, forwardedHost, attemptCount)
            && !edited(set)) {
          Http1Bytes.field(out, set, received.setValue());
        }
      } else {
        for (Iterator<Map.Entry<CharSequence, CharSequence>> it = request.headers().iteratorCharSequence(); it.hasNext(); ) {
          Map.Entry<CharSequence, CharSequence> e = it.next();
          CharSequence n = e.getKey();
          if (forwarded(n, e.getValue()) && !attemptOverrides(n, forwardedHost, attemptCount) && !edited(n)) {
            Http1Bytes.field(out, n, e.getValue());
          }
        }
      }
      if (upgrade != null) {
        Http1Bytes.field(out, "connection", "upgrade");
        Http1Bytes.field(out, "upgrade", upgrade);
      }
      if (outgoingEdits != null) {
        EditedFields edited = EDITED_FIELDS.get();
        edited.out = out;
        edited.forwardedHost = forwardedHost;
        edited.attemptCount = attemptCount;
        outgoingEdits.forEach(edited);
        edited.out = null;
        edited.forwardedHost = null;
      }
    }
    if (forwardedHost != null) {
      Http1Bytes.field(out, RequestMutation.FORWARDED_HOST_HEADER, forwardedHost);
    }
    if (attemptCount > 0) {
      Http1Bytes.decimalField(out, NettyTransport.ATTEMPT_COUNT, attemptCount);
    }
    long length = upstreamLength();
    if (length >= 0) {
      Http1Bytes.decimalField(out, "content-length", length);
    } else if (length == -1) {
      Http1Bytes.field(out, "transfer-encoding", "chunked");
    }
    out.writeShort(Http1Bytes.CRLF);
    to.write(out, to.voidPromise());
    return length == -1;
  }

  /** The attempt is connected and its head written: writes the body (a copy when it may be sent again). */
  void writeBody(AttemptIo io) {
    boolean keep = replayable();
    if (body != null) {
      for (ByteBuf b : body) {
        io.writeBody(new DefaultHttpContent(keep ? b.retainedDuplicate() : b), false);
      }
      if (!keep) {
        body.clear();
      }
    }
    if (bodyEnded) {
      io.writeBody(requestTrailers == null ? LastHttpContent.EMPTY_LAST_CONTENT : lastContent(Unpooled.EMPTY_BUFFER), true);
    } else {
      io.writeBody(new DefaultHttpContent(Unpooled.EMPTY_BUFFER), true);
      ctx.channel().config().setAutoRead(io.writable());
    }
  }

  void upstreamWritable(boolean writable) {
    if (streaming && !bodyEnded && !done) {
      ctx.channel().config().setAutoRead(writable);
    }
  }

  // ---- pass-through (no mesh listener, or the inbound listener's application)

  private void passThrough(UpstreamPool.Key key) {
    outgoingPath = target.path();
    AttemptIo io = attempt(key, target.authority(), null, 0, 10_000, new AttemptIo.Result() {
      @Override
      public void onHead(AttemptIo attempt, HttpResponse head) {
        respondUpstream(attempt, "", null);
      }

      @Override
      public void onFailure(AttemptIo attempt, Exception failure, Outcome outcome) {
        String flag = outcome == Outcome.CONNECT_FAILURE ? ResponseFlags.UF : "UC";
        localReply(LocalResponse.of(503, flag, "upstream connect error or disconnect/reset before headers: " + key), "");
      }
    });
    io.start(0);
  }

  // ---- the response

  private void respond(ExchangeResponse r) {
    if (done || responded) {
      if (r instanceof UpstreamResponse<?> u) {
        ((AttemptIo) u.response()).abandon();
        call.streamEnded(null);
      }
      return;
    }
    String flags = ResponseFlags.join(ex.flags(), r.responseFlags());
    if (r instanceof UpstreamResponse<?> u) {
      committedOutcome = u.outcome();
      respondUpstream((AttemptIo) u.response(), flags, upstream);
      return;
    }
    LocalResponse local = r instanceof LocalResponse l ? l : LocalResponse.of(r.status(), r.responseFlags(), "");
    localReply(local, ex.flags());
  }

  private void respondUpstream(AttemptIo io, String flags, RoutedCall.Upstream up) {
    responded = true;
    committed = io;
    if (streaming && replayable) { // no attempt after a committed one
      stopKeeping(false);
    }
    HttpResponse head = io.head();
    if (head instanceof Http1Response raw && conn.raw() != null && raw.code() != 101
        && (up == null || !up.mutation().changesResponse())) {
      respondBytes(io, raw, flags);
      return;
    }
    HttpHeaders h = DefaultHttpHeadersFactory.headersFactory().withValidation(false).newHeaders();
    List<String> named = connectionTokens(head.headers().getAll(HttpHeaderNames.CONNECTION));
    for (Map.Entry<String, String> e : head.headers()) {
      String n = e.getKey().toLowerCase(Locale.ROOT);
      if (!HOP_BY_HOP.contains(n) && !named.contains(n) && !n.startsWith(HTTP2_EXTENSION)) {
        h.add(e.getKey(), e.getValue());
      }
    }
    if (!flags.isEmpty()) {
      h.set(RESPONSE_FLAGS_HEADER, flags);
    }
    if (up != null && up.mutation().changesResponse()) {
      up.mutation().applyToResponse(new NettyEditors(h, null, null));
    }
    int code = head.status().code();
    if (code == 101) {
      switchProtocols(io, h, flags);
      return;
    }
    boolean bodyless = headOnly || code == 204 || code == 304 || code < 200;
    // a response that ends before the request body did leaves the connection in no known state
    boolean closeAfter = !keepAlive || !bodyEnded;
    chunkedDownstream = false;
    if (!bodyless && !h.contains(HttpHeaderNames.CONTENT_LENGTH)) {
      if (request.protocolVersion().equals(HttpVersion.HTTP_1_1)) {
        h.set(HttpHeaderNames.TRANSFER_ENCODING, "chunked");
        chunkedDownstream = true;
      } else {
        closeAfter = true; // HTTP/1.0: the body ends when the connection does
      }
    }
    conn.closeAfterResponse(closeAfter);
    connectionHeader(h, closeAfter);
    if (ex != null) {
      ex.responded(code, grpc ? grpcStatus(head.headers()) : -1, flags, false);
      committedFlags = flags;
    }
    answer(code, grpc ? grpcStatus(head.headers()) : -1, flags);
    // an HTTP/2 response its headers ended (gRPC's trailers-only), or an HTTP/1.1 one without a body,
    // is one HEADERS frame ending the stream, as Envoy's codecs end it at the headers
    endedAtHead = conn.http2() && (head instanceof FullHttpResponse full ? !full.content().isReadable()
        && full.trailingHeaders().isEmpty() : bodyless || "0".equals(head.headers().get(HttpHeaderNames.CONTENT_LENGTH)));
    ctx.write(endedAtHead
        ? new DefaultFullHttpResponse(request.protocolVersion(), head.status(), Unpooled.EMPTY_BUFFER, h,
            DefaultHttpHeadersFactory.trailersFactory().newEmptyHeaders())
        : new DefaultHttpResponse(request.protocolVersion(), head.status(), h), ctx.voidPromise());
    io.commit();
  }

  /**
   * The byte-level path, an HTTP/1.1 upstream's response to an HTTP/1.1 downstream: the head's field
   * lines as received minus the hop-by-hop ones (and those its {@code Connection} names), plus the
   * proxy's framing, {@code Connection} and response-flags fields, in one buffer written past the
   * response encoder; the body follows as the received slices (chunk-framed again when the
   * downstream gets it chunked). A route that edits response headers takes the header-map path.
   */
  private void respondBytes(AttemptIo io, Http1Response head, String flags) {
    int code = head.code();
    boolean bodyless = headOnly || code == 204 || code == 304 || code < 200;
    boolean closeAfter = !keepAlive || !bodyEnded;
    HttpVersion version = request.protocolVersion();
    int n = head.fields().count();
    List<String> named = null;
    boolean hasLength = false;
    for (int i = 0; i < n; i++) {
      if (head.fields().nameIs(i, "connection")) {
        named = named == null ? new ArrayList<>(2) : named;
        for (String t : head.fields().value(i).split(",")) {
          named.add(t.trim().toLowerCase(Locale.ROOT));
        }
      } else if (head.fields().nameIs(i, "content-length")) {
        hasLength = true;
      }
    }
    chunkedDownstream = false;
    if (!bodyless && !hasLength) {
      if (version.equals(HttpVersion.HTTP_1_1)) {
        chunkedDownstream = true;
      } else {
        closeAfter = true; // HTTP/1.0: the body ends when the connection does
      }
    }
    conn.closeAfterResponse(closeAfter);
    if (ex != null) {
      ex.responded(code, grpc ? grpcStatus(head.headers()) : -1, flags, false);
      committedFlags = flags;
    }
    answer(code, grpc ? grpcStatus(head.headers()) : -1, flags);
    ByteBuf out = HeadBuffer.take(ctx, head.fields().size() + flags.length() + 96);
    head.writeStatusLine(version, out);
    for (int i = 0; i < n; i++) {
      if (forwardedResponseField(head, i, named, !flags.isEmpty())) {
        head.fields().writeField(i, out);
      }
    }
    if (!flags.isEmpty()) {
      Http1Bytes.field(out, RESPONSE_FLAGS_HEADER, flags);
    }
    if (chunkedDownstream) {
      Http1Bytes.field(out, "transfer-encoding", "chunked");
    }
    if (closeAfter) {
      Http1Bytes.field(out, "connection", "close");
    } else if (version.equals(HttpVersion.HTTP_1_0)) {
      Http1Bytes.field(out, "connection", "keep-alive");
    }
    out.writeShort(Http1Bytes.CRLF);
    bytesOut = conn.raw();
    pendingHead = out;
    io.commit();
  }

  /** Whether the response's field {@code i} goes downstream (not hop-by-hop, not replaced by the proxy). */
  private static boolean forwardedResponseField(Http1Response head, int i, List<String> named, boolean flags) {
    for (int k = 0; k < HOP_BY_HOP.size(); k++) {
      if (head.fields().nameIs(i, HOP_BY_HOP.get(k))) {
        return false;
      }
    }
    if (head.fields().nameStartsWith(i, HTTP2_EXTENSION) || flags && head.fields().nameIs(i, RESPONSE_FLAGS_HEADER)) {
      return false;
    }
    return named == null || !named.contains(head.fields().name(i).toLowerCase(Locale.ROOT));
  }

  /**
   * 101: the upstream accepted the WebSocket upgrade (a 101 to a request that asked none is a 502,
   * as Envoy answers it). The exchange ends here for the pipeline; the connections become a tunnel.
   */
  private void switchProtocols(AttemptIo io, HttpHeaders h, String flags) {
    String accepted = io.head().headers().get(HttpHeaderNames.UPGRADE);
    if (upgrade == null || accepted == null || !accepted.trim().equalsIgnoreCase(upgrade)) {
      io.abandon();
      if (call != null) {
        call.streamEnded(Outcome.RESET);
      }
      responded = false;
      committed = null;
      localReply(LocalResponse.of(502, "UPE", "upstream switched protocols without an accepted upgrade"), flags);
      return;
    }
    h.set(HttpHeaderNames.CONNECTION, "upgrade");
    h.set(HttpHeaderNames.UPGRADE, accepted.trim());
    if (ex != null) {
      ex.responded(101, -1, flags, false);
    }
    ctx.writeAndFlush(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.SWITCHING_PROTOCOLS, h));
    List<ByteBuf> early = new ArrayList<>(1);
    io.netty.channel.Channel upstreamChannel = io.upgrade(early::add);
    done = true;
    if (call != null) {
      call.streamEnded(committedOutcome);
    }
    if (ex != null) {
      ex.complete();
    }
    release();
    conn.tunnel(this, upstreamChannel, early);
  }

  private void connectionHeader(HttpHeaders h, boolean closeAfter) {
    if (closeAfter) {
      h.set(HttpHeaderNames.CONNECTION, "close");
    } else if (request.protocolVersion().equals(HttpVersion.HTTP_1_0)) {
      h.set(HttpHeaderNames.CONNECTION, "keep-alive");
    }
  }

  /** A chunk of the committed response (ownership passes). */
  void responseContent(AttemptIo io, HttpContent c) {
    if (io != committed || done) {
      c.release();
      return;
    }
    if (ex != null && ex.observed()) {
      ex.addResponseBodyBytes(c.content().readableBytes());
    }
    if (guarded != null) {
      guarded.responseBytes += c.content().readableBytes();
    }
    boolean last = c instanceof LastHttpContent;
    if (last) {
      if (guarded != null && grpc && ((LastHttpContent) c).trailingHeaders().contains("grpc-status")) {
        guarded.grpcStatus = grpcStatus(((LastHttpContent) c).trailingHeaders());
      }
      if (grpc && ex != null && ((LastHttpContent) c).trailingHeaders().contains("grpc-status")) {
        ex.closed(committed.head().status().code(), grpcStatus(((LastHttpContent) c).trailingHeaders()), committedFlags);
      }
      if (bytesOut != null) {
        ByteBuf b = c.content();
        if (pendingHead != null && !chunkedDownstream && b.readableBytes() <= pendingHead.maxFastWritableBytes()
            && ((LastHttpContent) c).trailingHeaders().isEmpty()) {
          pendingHead.writeBytes(b); // the whole response in one buffer
          c.release();
        } else {
          writePendingHead();
          Http1Bytes.writeBody(bytesOut, c, chunkedDownstream, true);
        }
        writePendingHead();
      } else if (endedAtHead) {
        c.release();
        ctx.flush();
      } else {
        ctx.writeAndFlush(c, ctx.voidPromise());
      }
      io.finished();
      if (call != null) {
        call.streamEnded(committedOutcome);
      }
      finish();
      if (bytesOut != null) {
        // flushed after the exchange's end (the upstream connection back in its pool, the observers' completion,
        // the next request read): that work runs before the write's loopback work in the kernel evicts what it
        // touches from the core's caches; an HTTP/2 stream's end (bytesOut null) is flushed before, as its
        // channel may close in finish()
        ctx.flush();
      }
      return;
    }
    if (bytesOut != null) {
      writePendingHead();
      Http1Bytes.writeBody(bytesOut, c, chunkedDownstream, false);
    } else {
      ctx.write(c, ctx.voidPromise());
    }
    if (!ctx.channel().isWritable()) {
      io.autoRead(false);
      ctx.flush();
    }
  }

  /** Flushes what was written to an upstream connection: now, or at the end of the downstream read in progress. */
  void flushUpstream(ChannelHandlerContext upstream) {
    conn.flushUpstream(upstream);
  }

  void flushDownstream() {
    writePendingHead();
    ctx.flush();
  }

  /** Writes the byte-level response head if it waits (see {@link #pendingHead}). */
  private void writePendingHead() {
    ByteBuf head = pendingHead;
    if (head != null) {
      pendingHead = null;
      bytesOut.write(head, bytesOut.voidPromise());
    }
  }

  /** The downstream can take more: resume reading the response. */
  void downstreamWritable(boolean writable) {
    if (committed != null && !done) {
      committed.autoRead(writable);
    }
  }

  /** The upstream connection closed mid-response: the downstream connection is reset, as Envoy does. */
  void upstreamBroke(AttemptIo io) {
    if (io != committed || done) {
      return;
    }
    if (call != null) {
      call.streamEnded(Outcome.RESET);
    }
    if (ex != null) {
      ex.addFlags(ResponseFlags.UR);
    }
    done = true;
    release();
    if (ex != null) {
      ex.complete();
    }
    writePendingHead();
    ctx.flush();
    ctx.close();
  }

  /** The {@code grpc-status} in {@code h}, or -1. */
  private static int grpcStatus(HttpHeaders h) {
    String v = h.get("grpc-status");
    if (v == null) {
      return -1;
    }
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      return 2; // UNKNOWN, as gRPC reads a malformed status
    }
  }

  private void localReply(LocalResponse local, String exchangeFlags) {
    if (done || responded) {
      return;
    }
    responded = true;
    String flags = ResponseFlags.join(exchangeFlags, local.responseFlags());
    if (grpc) {
      grpcLocalReply(local, flags);
      return;
    }
    byte[] text = local.body().getBytes(StandardCharsets.UTF_8);
    HttpResponseStatus status = HttpResponseStatus.valueOf(local.status());
    DefaultFullHttpResponse res = new DefaultFullHttpResponse(request.protocolVersion(), status,
        headOnly ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(text));
    HttpHeaders h = res.headers();
    h.set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
    h.set(HttpHeaderNames.CONTENT_LENGTH, text.length);
    local.headers().forEach(h::set);
    if (!flags.isEmpty()) {
      h.set(RESPONSE_FLAGS_HEADER, flags);
    }
    // a request whose body was not read to its end cannot leave the connection in a known state
    boolean closeAfter = !keepAlive || !bodyEnded;
    conn.closeAfterResponse(closeAfter);
    connectionHeader(h, closeAfter);
    if (ex != null) {
      ex.responded(local.status(), -1, flags, true);
    }
    answer(local.status(), -1, flags);
    if (guarded != null) {
      guarded.responseBytes = headOnly ? 0 : text.length;
    }
    ctx.writeAndFlush(res);
    finish();
  }

  /**
   * Envoy's local reply to a gRPC call: HTTP 200, trailers only, {@code grpc-status} the reply's
   * (a fault's {@code grpc_status}, else its HTTP status mapped) and {@code grpc-message} its text.
   */
  private void grpcLocalReply(LocalResponse local, String flags) {
    int status = local.grpcStatusCode();
    DefaultFullHttpResponse res = new DefaultFullHttpResponse(request.protocolVersion(), HttpResponseStatus.OK,
        Unpooled.EMPTY_BUFFER);
    HttpHeaders h = res.headers();
    h.set(HttpHeaderNames.CONTENT_TYPE, "application/grpc");
    h.set("grpc-status", Integer.toString(status));
    if (!local.body().isEmpty()) {
      h.set("grpc-message", GrpcMessages.percentEncode(local.body()));
    }
    local.headers().forEach(h::set);
    if (!flags.isEmpty()) {
      h.set(RESPONSE_FLAGS_HEADER, flags);
    }
    h.set(HttpHeaderNames.CONTENT_LENGTH, 0);
    boolean closeAfter = !keepAlive || !bodyEnded;
    conn.closeAfterResponse(closeAfter);
    connectionHeader(h, closeAfter);
    if (ex != null) {
      ex.responded(200, status, flags, true);
    }
    answer(200, status, flags);
    ctx.writeAndFlush(res);
    finish();
  }

  /** The response's status, for {@link RequestGuard#answered}. */
  private void answer(int status, int grpcStatus, String flags) {
    Guarded g = guarded;
    if (g != null) {
      g.status = status;
      g.grpcStatus = grpcStatus;
      g.flags = flags;
    }
  }

  private void finish() {
    if (done) {
      return;
    }
    done = true;
    Guarded g = guarded;
    if (g != null && g.status != 0) {
      conn.listener().guard().answered(connection(), new RequestGuard.Answered(request.headers(), g.kept,
          target.authority(), grpc, g.status, g.grpcStatus, g.flags, System.nanoTime() - g.startNanos, bodyBytes,
          g.responseBytes));
    }
    if (ex != null) {
      ex.complete();
    }
    release();
    conn.exchangeDone(this);
  }

  /** The downstream connection closed before the response ended. */
  void downstreamClosed() {
    if (done) {
      return;
    }
    done = true;
    if (committed != null) {
      committed.abandon();
      if (call != null) {
        call.streamEnded(null);
      }
    } else if (ex != null) {
      ex.interrupt(new LocalResponse(499, "DC", "downstream closed", Map.of(), -1, null));
    } else if (streamTo != null) {
      streamTo.abandon();
    }
    if (ex != null) {
      ex.complete();
    }
    if (pendingHead != null) {
      pendingHead.release();
      pendingHead = null;
    }
    release();
  }

  private void release() {
    if (body == null) {
      return;
    }
    for (int i = 0; i < body.size(); i++) {
      body.get(i).release();
    }
    body.clear();
  }
}
