package io.bowline.proxy.outbound;

import io.bowline.proxy.Transports;
import io.bowline.runtime.tls.UpstreamTlsHandle;
import io.netty.bootstrap.Bootstrap;
import io.netty.handler.ssl.SslHandler;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.bowline.proxy.http1.Http1ResponseDecoder;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Idle HTTP/1.1 upstream connections of one event loop, by endpoint, reused last in first out
 * (Envoy's connection pool per host), and one multiplexed HTTP/2 connection per endpoint whose
 * streams serve one request each. Every method runs on {@link #loop()}; a request's upstream
 * connection is on its downstream connection's loop, so no handoff or lock is needed.
 */
final class UpstreamPool {
  /** The most idle connections kept per endpoint and event loop. */
  static final int MAX_IDLE_PER_ENDPOINT = 64;

  /**
   * An endpoint: the address to connect to, the cluster's TLS ({@code null}: plaintext), and
   * whether to speak HTTP/2 to it (h2c, or h2 by ALPN over TLS). Connections are pooled per TLS
   * handle, so a connection made under one context is never reused under another.
   */
  record Key(String host, int port, UpstreamTlsHandle tls, boolean http2) {
    Key(String host, int port) {
      this(host, port, null, false);
    }

    // written out: the generated record methods go through method handles, which the proxy's
    // C1-only JIT (docs/proxy.md) does not inline, and every request hashes its key twice
    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && port == k.port && http2 == k.http2 && tls == k.tls && host.equals(k.host);
    }

    @Override
    public int hashCode() {
      return (host.hashCode() * 31 + port) * 31 + System.identityHashCode(tls) + (http2 ? 1 : 0);
    }

    @Override
    public String toString() {
      return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
  }

  private final EventLoop loop;
  private final Bootstrap bootstrap;
  private final Map<Key, ArrayDeque<UpstreamConnection>> idle = new HashMap<>();
  /** The key asked for last ({@link #key}): a loop's next request mostly goes where its last one went. */
  private Key lastKey;
  /** One HTTP/2 connection per endpoint and event loop, its streams multiplexed (Envoy's HTTP/2 pool). */
  private final Map<Key, Future<Channel>> http2 = new HashMap<>();

  UpstreamPool(EventLoop loop, Transports transports) {
    this.loop = loop;
    this.bootstrap = new Bootstrap().group(loop).channel(transports.channel())
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024))
        .handler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            // the connection handler is added when the connect succeeds (it needs the key)
          }
        });
  }

  EventLoop loop() {
    return loop;
  }

  /**
   * The key of {@code host:port} with {@code tls} and {@code http2}: the one asked for last when it is the same
   * endpoint (no key object per request on a loop whose requests go to one endpoint), else a new one.
   */
  Key key(String host, int port, UpstreamTlsHandle tls, boolean http2) {
    Key k = lastKey;
    if (k == null || k.port != port || k.http2 != http2 || k.tls != tls || !k.host.equals(host)) {
      k = new Key(host, port, tls, http2);
      lastKey = k;
    }
    return k;
  }

  /**
   * An idle HTTP/1.1 connection to {@code key}, taken out of the pool, or {@code null} when there is
   * none (or {@code key} is HTTP/2): the caller uses it at once, without a future.
   */
  UpstreamConnection pollIdle(Key key) {
    if (key.http2()) {
      return null;
    }
    ArrayDeque<UpstreamConnection> q = idle.get(key);
    while (q != null && !q.isEmpty()) {
      UpstreamConnection c = q.pollFirst();
      if (!c.closed() && c.channel().isActive()) {
        return c;
      }
    }
    return null;
  }

  /** An idle connection to {@code key}, or a new one (connect bounded by {@code connectTimeoutMillis}). */
  Future<UpstreamConnection> acquire(Key key, int connectTimeoutMillis) {
    if (key.http2()) {
      return openStream(key, connectTimeoutMillis);
    }
    UpstreamConnection pooled = pollIdle(key);
    if (pooled != null) {
      return loop.newSucceededFuture(pooled);
    }
    Promise<UpstreamConnection> p = loop.newPromise();
    connected(key, connectTimeoutMillis, null).addListener(done -> {
      if (!done.isSuccess()) {
        p.tryFailure(done.cause());
        return;
      }
      Channel ch = (Channel) done.getNow();
      Http1ResponseDecoder decoder = new Http1ResponseDecoder();
      UpstreamConnection c = new UpstreamConnection(this, key, decoder);
      ch.pipeline().addLast(decoder, new HttpRequestEncoder(), c);
      if (!p.trySuccess(c)) {
        ch.close();
      }
    });
    return p;
  }

  /**
   * A connection to {@code key}, handed out once it is ready: connected, and for a TLS key with
   * the handshake done (the cluster's UpstreamTlsContext: the handle's SSLContext verifies the
   * peer's SPIFFE ID and presents the workload certificate) and {@code alpn}, when not null,
   * negotiated.
   */
  private Future<Channel> connected(Key key, int connectTimeoutMillis, String alpn) {
    Promise<Channel> p = loop.newPromise();
    ChannelFuture f = bootstrap.clone()
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, Math.max(1, connectTimeoutMillis))
        .connect(InetSocketAddress.createUnresolved(key.host(), key.port()));
    f.addListener(done -> {
      if (!done.isSuccess()) {
        p.tryFailure(done.cause());
        return;
      }
      Channel ch = f.channel();
      if (key.tls() == null) {
        p.trySuccess(ch);
        return;
      }
      SSLEngine engine = engine(key);
      if (alpn != null) {
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setApplicationProtocols(new String[] {alpn});
        engine.setSSLParameters(parameters);
      }
      SslHandler tls = new SslHandler(engine);
      ch.pipeline().addLast(tls);
      tls.handshakeFuture().addListener(h -> {
        if (!h.isSuccess()) {
          p.tryFailure(h.cause());
          ch.close();
        } else if (alpn != null && !alpn.equals(engine.getApplicationProtocol())) { // JDK engine: no Netty accessor
          p.tryFailure(new SSLHandshakeException("upstream " + key + " did not negotiate " + alpn + " by ALPN"));
          ch.close();
        } else if (!p.trySuccess(ch)) {
          ch.close();
        }
      });
    });
    return p;
  }

  /** A new stream on the endpoint's HTTP/2 connection (connected first when there is none or it is going away). */
  private Future<UpstreamConnection> openStream(Key key, int connectTimeoutMillis) {
    Future<Channel> parent = http2.get(key);
    if (parent == null || parent.isDone() && (!parent.isSuccess() || goingAway(parent.getNow()))) {
      parent = connectHttp2(key, connectTimeoutMillis);
      http2.put(key, parent);
    }
    Future<Channel> connection = parent;
    Promise<UpstreamConnection> p = loop.newPromise();
    connection.addListener(f -> {
      if (!f.isSuccess()) {
        http2.remove(key, connection);
        p.tryFailure(f.cause());
        return;
      }
      UpstreamConnection c = new UpstreamConnection(this, key, null);
      new Http2StreamChannelBootstrap(connection.getNow()).handler(new ChannelInitializer<Http2StreamChannel>() {
        @Override
        protected void initChannel(Http2StreamChannel ch) {
          ch.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(false, false), c);
        }
      }).open().addListener(s -> {
        if (!s.isSuccess()) {
          p.tryFailure(s.cause());
        } else if (!p.trySuccess(c)) {
          ((Channel) s.getNow()).close();
        }
      });
    });
    return p;
  }

  private static boolean goingAway(Channel c) {
    Http2FrameCodec codec = c.pipeline().get(Http2FrameCodec.class);
    return !c.isActive() || codec == null || codec.connection().goAwayReceived() || codec.connection().goAwaySent();
  }

  /** An HTTP/2 connection to {@code key}: h2c with prior knowledge, or TLS negotiating h2 by ALPN. */
  private Future<Channel> connectHttp2(Key key, int connectTimeoutMillis) {
    Promise<Channel> p = loop.newPromise();
    connected(key, connectTimeoutMillis, "h2").addListener(done -> {
      if (!done.isSuccess()) {
        p.tryFailure(done.cause());
        return;
      }
      Channel ch = (Channel) done.getNow();
      ch.pipeline().addLast(
          Http2FrameCodecBuilder.forClient().initialSettings(Http2Settings.defaultSettings().pushEnabled(false)).build(),
          new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
      p.trySuccess(ch);
    });
    return p;
  }

  /** A client engine of the key's TLS handle, sending its SNI when it has one. */
  private static SSLEngine engine(Key key) {
    UpstreamTlsHandle handle = key.tls();
    String sni = handle.sni();
    SSLEngine engine = sni.isEmpty() ? handle.sslContext().createSSLEngine()
        : handle.sslContext().createSSLEngine(sni, key.port());
    engine.setUseClientMode(true);
    if (!sni.isEmpty()) {
      SSLParameters parameters = engine.getSSLParameters();
      parameters.setServerNames(List.of(new SNIHostName(sni)));
      engine.setSSLParameters(parameters);
    }
    return engine;
  }

  /** Keeps {@code c} for the next request to its endpoint, or closes it when the pool is full. */
  void release(UpstreamConnection c) {
    c.listener(null);
    if (c.key().http2()) {
      c.channel().close(); // a stream serves one request
      return;
    }
    c.served++;
    if (c.closed() || !c.channel().isActive()) {
      return;
    }
    ChannelConfig config = c.channel().config();
    if (!config.isAutoRead()) { // off only if the response was held back for a slow downstream: no atomic exchange per request
      config.setAutoRead(true);
    }
    ArrayDeque<UpstreamConnection> q = idle.computeIfAbsent(c.key(), k -> new ArrayDeque<>());
    if (q.size() >= MAX_IDLE_PER_ENDPOINT) {
      c.channel().close();
      return;
    }
    q.addFirst(c);
  }

  /** A connection closed: no longer idle. */
  void forget(UpstreamConnection c) {
    ArrayDeque<UpstreamConnection> q = idle.get(c.key());
    if (q != null) {
      q.remove(c);
    }
  }

  /** Closes every idle connection. */
  void closeIdle() {
    idle.values().forEach(q -> q.forEach(c -> c.channel().close()));
    idle.clear();
    http2.values().forEach(f -> f.addListener(done -> {
      if (done.isSuccess()) {
        ((Channel) done.getNow()).close();
      }
    }));
    http2.clear();
  }
}
