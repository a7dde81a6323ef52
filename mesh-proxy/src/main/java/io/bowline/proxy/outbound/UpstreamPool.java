package io.bowline.proxy.outbound;

import io.bowline.proxy.Transports;
import io.bowline.runtime.tls.UpstreamTlsHandle;
import io.netty.bootstrap.Bootstrap;
import io.netty.handler.ssl.SslHandler;
import java.util.List;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Idle HTTP/1.1 upstream connections of one event loop, by endpoint, reused last in first out
 * (Envoy's connection pool per host). Every method runs on {@link #loop()}; a request's upstream
 * connection is on its downstream connection's loop, so no handoff or lock is needed.
 */
final class UpstreamPool {
  /** The most idle connections kept per endpoint and event loop. */
  static final int MAX_IDLE_PER_ENDPOINT = 64;

  /**
   * An endpoint: the address to connect to, and the cluster's TLS ({@code null}: plaintext).
   * Connections are pooled per TLS handle, so a connection made under one context is never reused
   * under another.
   */
  record Key(String host, int port, UpstreamTlsHandle tls) {
    Key(String host, int port) {
      this(host, port, null);
    }

    @Override
    public String toString() {
      return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
  }

  private final EventLoop loop;
  private final Bootstrap bootstrap;
  private final Map<Key, ArrayDeque<UpstreamConnection>> idle = new HashMap<>();

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

  /** An idle connection to {@code key}, or a new one (connect bounded by {@code connectTimeoutMillis}). */
  Future<UpstreamConnection> acquire(Key key, int connectTimeoutMillis) {
    ArrayDeque<UpstreamConnection> q = idle.get(key);
    while (q != null && !q.isEmpty()) {
      UpstreamConnection c = q.pollFirst();
      if (!c.closed() && c.channel().isActive()) {
        return loop.newSucceededFuture(c);
      }
    }
    Promise<UpstreamConnection> p = loop.newPromise();
    ChannelFuture f = bootstrap.clone()
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, Math.max(1, connectTimeoutMillis))
        .connect(InetSocketAddress.createUnresolved(key.host(), key.port()));
    f.addListener(done -> {
      if (!done.isSuccess()) {
        p.tryFailure(done.cause());
        return;
      }
      UpstreamConnection c = new UpstreamConnection(this, key);
      if (key.tls() == null) {
        f.channel().pipeline().addLast(new HttpClientCodec(4096, 64 * 1024, 64 * 1024), c);
        if (!p.trySuccess(c)) {
          f.channel().close();
        }
        return;
      }
      // the cluster's UpstreamTlsContext: the handle's SSLContext verifies the peer's SPIFFE ID and
      // presents the workload certificate; the connection is handed out only once the handshake is done
      SslHandler tls = new SslHandler(engine(key));
      f.channel().pipeline().addLast(tls, new HttpClientCodec(4096, 64 * 1024, 64 * 1024), c);
      tls.handshakeFuture().addListener(h -> {
        if (!h.isSuccess()) {
          p.tryFailure(h.cause());
          f.channel().close();
        } else if (!p.trySuccess(c)) {
          f.channel().close();
        }
      });
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
    c.served++;
    if (c.closed() || !c.channel().isActive()) {
      return;
    }
    c.channel().config().setAutoRead(true);
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
  }
}
