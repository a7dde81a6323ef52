package io.bowline.proxy.outbound;

import io.bowline.runtime.router.UpstreamTransport;
import io.bowline.runtime.upstream.Outcome;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.FullHttpRequest;
import io.bowline.proxy.http1.Http1Bytes;
import io.bowline.proxy.http1.Http1Response;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.ConnectException;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * One request on one upstream connection: connects (or reuses a pooled connection), writes the
 * head and the body, bounds the wait for the response head by the attempt's timeout, reports the
 * head or a failure once, then (after {@link #commit}) streams the response to its exchange.
 * A request whose pooled connection turns out closed before any response byte is sent again
 * once on a new connection, when its body can be replayed. Runs on the event loop only.
 */
final class AttemptIo implements UpstreamConnection.Listener, UpstreamTransport.InFlight, Outcome.Headers {

  /** Where the head or the failure goes (exactly one of them, once). */
  interface Result {
    void onHead(AttemptIo io, HttpResponse head);

    /** {@code outcome} is {@code null} when the attempt was cancelled. */
    void onFailure(AttemptIo io, Exception failure, Outcome outcome);
  }

  private final OutboundExchange owner;
  private final UpstreamPool pool;
  private final UpstreamPool.Key key;
  private final HttpMethod method;
  /** The request has no body: its head is the whole request. */
  private final boolean noBody;
  /** The request as Netty's message, for an HTTP/2 upstream; {@code null}: HTTP/1.1, written as bytes. */
  private HttpRequest request;
  private String authority;
  private String forwardedHost;
  private int attemptCount;
  /** The HTTP/1.1 request body goes chunked. */
  private boolean chunked;
  private final Result result;
  /** The router's callbacks of this attempt, when the router made it ({@link NettyTransport}); else {@code null}. */
  private UpstreamTransport.Callbacks<AttemptIo> callbacks;
  private final int connectTimeoutMillis;
  private UpstreamConnection conn;
  private ScheduledFuture<?> timer;
  private boolean reported;
  private boolean committed;
  private boolean abandoned;
  private boolean requestWritten;
  private boolean responseEnded;
  private boolean freshRetry;
  private HttpResponse head;
  private ArrayDeque<HttpContent> early;

  AttemptIo(OutboundExchange owner, UpstreamPool pool, UpstreamPool.Key key, HttpMethod method, boolean noBody,
      Result result, int connectTimeoutMillis) {
    this.owner = owner;
    this.pool = pool;
    this.key = key;
    this.method = method;
    this.noBody = noBody;
    this.result = result;
    this.connectTimeoutMillis = connectTimeoutMillis;
  }

  /**
   * What this attempt's head says beyond the exchange's forwarded fields: the authority, the
   * {@code x-forwarded-host} and attempt count to send (null, 0: none), and for an HTTP/2 upstream
   * the whole request as Netty's message.
   */
  void head(String authority, String forwardedHost, int attemptCount, HttpRequest http2Request) {
    this.authority = authority;
    this.forwardedHost = forwardedHost;
    this.attemptCount = attemptCount;
    this.request = http2Request;
  }

  HttpResponse head() {
    return head;
  }

  /** Sets the router's callbacks of this attempt (its {@link Result} being the transport, one for all its attempts). */
  void callbacks(UpstreamTransport.Callbacks<AttemptIo> c) {
    this.callbacks = c;
  }

  UpstreamTransport.Callbacks<AttemptIo> callbacks() {
    return callbacks;
  }

  UpstreamPool.Key key() {
    return key;
  }

  /**
   * The router's header lookup of an HTTP/1.1 response head ({@link Outcome.Headers}): the values of
   * {@code lowerCaseName} joined with commas, or {@code null}; the attempt is the lookup, so that its outcome needs
   * no object for it (the codec's head knows nothing of the mesh).
   */
  @Override
  public String get(String lowerCaseName) {
    return ((Http1Response) head).fields().joined(lowerCaseName);
  }

  /** Starts the attempt; the response head must arrive within {@code timeoutMillis} (0: no limit). */
  void start(long timeoutMillis) {
    if (timeoutMillis > 0) {
      timer = pool.loop().schedule(this::timedOut, timeoutMillis, TimeUnit.MILLISECONDS);
    }
    connect();
  }

  private void connect() {
    UpstreamConnection pooled = pool.pollIdle(key);
    if (pooled != null) { // the common case: no future and no listener per request
      connected(pooled);
      return;
    }
    pool.acquire(key, connectTimeoutMillis).addListener(f -> {
      if (!f.isSuccess()) {
        Throwable c = f.cause();
        fail(c instanceof Exception e ? e : new ConnectException(String.valueOf(c)), Outcome.CONNECT_FAILURE);
        return;
      }
      connected((UpstreamConnection) f.getNow());
    });
  }

  /** {@code c} is this attempt's connection: writes the request (unless the attempt ended meanwhile). */
  private void connected(UpstreamConnection c) {
    if (reported || abandoned) {
      pool.release(c);
      return;
    }
    conn = c;
    c.listener(this);
    c.expectResponseTo(method.equals(HttpMethod.HEAD));
    if (request == null) { // HTTP/1.1: the head as bytes, past the request encoder
      ChannelHandlerContext raw = c.raw();
      chunked = owner.writeHead(raw, authority, forwardedHost, attemptCount);
      if (noBody) {
        requestWritten = true;
        owner.flushUpstream(raw);
      } else if (conn == c) {
        owner.writeBody(this);
      }
      return;
    }
    if (request instanceof FullHttpRequest) { // no body: the head is the whole request
      requestWritten = true;
      c.channel().writeAndFlush(request, c.channel().voidPromise());
      return;
    }
    c.channel().write(request, c.channel().voidPromise());
    if (conn == c) { // a write that failed at once has closed the attempt's connection already
      owner.writeBody(this);
    }
  }

  /** Writes a body chunk to the upstream (ownership passes); a last chunk completes the request. */
  void writeBody(HttpContent content, boolean flush) {
    if (conn == null || abandoned) {
      content.release();
      return;
    }
    boolean last = content instanceof LastHttpContent;
    if (last) {
      requestWritten = true;
    }
    if (request == null) {
      ChannelHandlerContext raw = conn.raw();
      Http1Bytes.writeBody(raw, content, chunked, last);
      if (flush) {
        owner.flushUpstream(raw);
      }
      return;
    }
    if (flush) {
      conn.channel().writeAndFlush(content, conn.channel().voidPromise());
    } else {
      conn.channel().write(content, conn.channel().voidPromise());
    }
  }

  boolean connected() {
    return conn != null && !abandoned;
  }

  boolean writable() {
    return conn != null && conn.channel().isWritable();
  }

  @Override
  public void onHead(HttpResponse h) {
    if (reported) {
      return;
    }
    reported = true;
    cancelTimer();
    head = h;
    result.onHead(this, h);
  }

  @Override
  public void onContent(HttpContent c) {
    if (c instanceof LastHttpContent) {
      responseEnded = true;
    }
    if (committed) {
      owner.responseContent(this, c);
    } else if (reported && !abandoned) {
      if (early == null) {
        early = new ArrayDeque<>(2);
      }
      early.add(c);
    } else {
      c.release();
    }
  }

  @Override
  public void onReadComplete() {
    if (committed) {
      owner.flushDownstream();
    }
  }

  @Override
  public void onWritable(boolean writable) {
    owner.upstreamWritable(writable);
  }

  @Override
  public void onClosed(Throwable cause) {
    UpstreamConnection c = conn;
    if (!reported) {
      if (c != null && c.served > 0 && !freshRetry && owner.replayable() && !abandoned) {
        // a pooled connection the upstream had closed: send the request once more on a new one
        freshRetry = true;
        conn = null;
        requestWritten = false;
        connect();
        return;
      }
      fail(cause instanceof Exception e ? e : new IOException(String.valueOf(cause)), Outcome.RESET);
      return;
    }
    if (committed && !responseEnded) {
      owner.upstreamBroke(this);
    }
  }

  private void timedOut() {
    timer = null;
    if (reported) {
      return;
    }
    closeConnection();
    fail(new IOException("upstream " + key + " sent no response head in time"), Outcome.PER_TRY_TIMEOUT);
  }

  private void fail(Exception e, Outcome outcome) {
    if (reported) {
      return;
    }
    reported = true;
    cancelTimer();
    result.onFailure(this, e, outcome);
  }

  @Override
  public void cancel() {
    abandon();
    fail(new IOException("attempt cancelled"), null);
  }

  /** The exchange goes on with this response: hands over what arrived so far. */
  void commit() {
    committed = true;
    if (early != null) {
      HttpContent c;
      while ((c = early.poll()) != null) {
        owner.responseContent(this, c);
      }
    }
  }

  /**
   * The response switched protocols (101): the connection leaves the pool and this attempt, for a
   * tunnel. {@code early} gets the bytes that arrived after the head, in order.
   */
  Channel upgrade(java.util.function.Consumer<ByteBuf> early) {
    UpstreamConnection c = conn;
    conn = null;
    abandoned = true;
    cancelTimer();
    c.listener(null);
    if (this.early != null) {
      this.early.forEach(e -> early.accept(e.content()));
      this.early = null;
    }
    return c.channel();
  }

  /** The exchange will not use this attempt's response: the connection is closed. */
  void abandon() {
    if (abandoned) {
      return;
    }
    abandoned = true;
    cancelTimer();
    if (early != null) {
      early.forEach(HttpContent::release);
      early = null;
    }
    closeConnection();
  }

  /** The response ended and was passed on: the connection goes back to the pool when it can be reused. */
  void finished() {
    UpstreamConnection c = conn;
    conn = null;
    if (c == null) {
      return;
    }
    if (requestWritten && responseEnded && head != null && keepAlive(head) && !abandoned) {
      pool.release(c);
    } else {
      c.listener(null);
      c.channel().close();
    }
  }

  private static boolean keepAlive(HttpResponse head) {
    return head instanceof Http1Response raw ? raw.keepAlive() : HttpUtil.isKeepAlive(head);
  }

  /** Stops or resumes reading the response (downstream flow control). */
  void autoRead(boolean on) {
    if (conn != null) {
      conn.channel().config().setAutoRead(on);
    }
  }

  private void closeConnection() {
    UpstreamConnection c = conn;
    conn = null;
    if (c != null) {
      c.listener(null);
      c.channel().close().addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    }
  }

  private void cancelTimer() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }
}
