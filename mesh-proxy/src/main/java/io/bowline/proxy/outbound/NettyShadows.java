package io.bowline.proxy.outbound;

import io.bowline.runtime.filter.mirror.ShadowSender;
import io.bowline.runtime.upstream.lb.UpstreamHost;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.io.IOException;
import java.net.ConnectException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * How the proxy sends shadows for the pipeline's mirror filter: the request as the route sends it,
 * on the downstream connection's event loop and its upstream pool (the Netty transport, in the
 * downstream's protocol), from a mirror thread that waits for the response and discards it. Like
 * the library's adapters, a shadow goes in plaintext and only for a body that was all buffered.
 */
final class NettyShadows implements ShadowSender {

  /**
   * A snapshot of the request taken on the event loop.
   *
   * @param method the method
   * @param path the path as the route rewrote it
   * @param authority the authority as the route rewrote it
   * @param headers the forwarded headers (a copy)
   * @param body the buffered body (a copy)
   * @param http2 whether to speak HTTP/2 (the downstream's protocol)
   * @param pool the downstream connection's upstream pool
   */
  record Request(HttpMethod method, String path, String authority, HttpHeaders headers, byte[] body, boolean http2,
      UpstreamPool pool) {}

  private final OutboundExchange owner;
  private Request request;

  NettyShadows(OutboundExchange owner) {
    this.owner = owner;
  }

  /** Called by the mirror filter on the event loop, before any send: takes the snapshot. */
  @Override
  public String authority() {
    if (request == null) {
      request = owner.shadowRequest();
    }
    return request.authority();
  }

  @Override
  public Sent send(UpstreamHost host, String authority, boolean attemptCount, long remainingNanos,
      long connectTimeoutMillis) throws Exception {
    Request r = request;
    UpstreamPool pool = r.pool();
    UpstreamPool.Key key = new UpstreamPool.Key(host.endpoint().address(), host.endpoint().port(), null, r.http2());
    FullHttpRequest out = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, r.method(), r.path(),
        Unpooled.wrappedBuffer(r.body()), r.headers().copy(), DefaultHttpHeadersFactory.trailersFactory().newHeaders());
    out.headers().set(HttpHeaderNames.HOST, authority);
    if (attemptCount) {
      out.headers().set(NettyTransport.ATTEMPT_COUNT, "1");
    }
    if (r.body().length > 0 || !r.method().equals(HttpMethod.GET) && !r.method().equals(HttpMethod.HEAD)) {
      out.headers().set(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(r.body().length));
    }
    CompletableFuture<Integer> status = new CompletableFuture<>();
    AtomicReference<UpstreamConnection> inFlight = new AtomicReference<>();
    pool.loop().execute(() -> start(pool, key, out, (int) Math.min(Integer.MAX_VALUE, connectTimeoutMillis), status,
        inFlight));
    try {
      int s = remainingNanos == Long.MAX_VALUE ? status.get() : status.get(remainingNanos, TimeUnit.NANOSECONDS);
      return new Sent(s, r.body().length);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception c ? c : e;
    } catch (TimeoutException e) {
      pool.loop().execute(() -> {
        UpstreamConnection c = inFlight.getAndSet(null);
        if (c != null) {
          c.listener(null);
          c.channel().close();
        }
      });
      throw e;
    }
  }

  private static void start(UpstreamPool pool, UpstreamPool.Key key, FullHttpRequest out, int connectTimeoutMillis,
      CompletableFuture<Integer> status, AtomicReference<UpstreamConnection> inFlight) {
    pool.acquire(key, connectTimeoutMillis).addListener(f -> {
      if (!f.isSuccess()) {
        out.release();
        Throwable cause = f.cause();
        status.completeExceptionally(cause instanceof Exception ? cause : new ConnectException(String.valueOf(cause)));
        return;
      }
      UpstreamConnection c = (UpstreamConnection) f.getNow();
      inFlight.set(c);
      c.expectResponseTo(out.method().equals(io.netty.handler.codec.http.HttpMethod.HEAD));
      c.listener(new UpstreamConnection.Listener() {
        private HttpResponse head;

        @Override
        public void onHead(HttpResponse h) {
          head = h;
        }

        @Override
        public void onContent(HttpContent content) {
          content.release();
          if (content instanceof LastHttpContent && inFlight.getAndSet(null) != null) {
            if (HttpUtil.isKeepAlive(head)) {
              pool.release(c);
            } else {
              c.listener(null);
              c.channel().close();
            }
            status.complete(head.status().code());
          }
        }

        @Override
        public void onReadComplete() {}

        @Override
        public void onClosed(Throwable cause) {
          inFlight.set(null);
          status.completeExceptionally(new IOException("shadow to " + key + ": " + cause.getMessage(), cause));
        }

        @Override
        public void onWritable(boolean writable) {}
      });
      c.channel().writeAndFlush(out, c.channel().voidPromise());
    });
  }

  @Override
  public boolean connectFailure(Exception failure) {
    return failure instanceof ConnectException;
  }
}
