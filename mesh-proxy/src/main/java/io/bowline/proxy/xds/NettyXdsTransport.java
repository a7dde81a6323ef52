package io.bowline.proxy.xds;

import com.google.protobuf.Message;
import io.bowline.runtime.xds.Backoff;
import io.bowline.proxy.Transports;
import io.bowline.runtime.xds.XdsTransport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A gRPC-over-HTTP/2 client for the xDS client's streams, on one Netty event loop of its own (thread
 * {@code bowline-xds-io}, on the listeners' transport: epoll where it is available, else NIO): one plaintext
 * HTTP/2 connection (prior knowledge, as grpc-java's plaintext channels), one HTTP/2 stream per RPC ({@link GrpcStream}). A connection that received {@code GOAWAY} takes
 * no new stream; the next RPC opens a new connection. Reconnecting after a broken stream is the xDS client's
 * (its backoff); {@link #whenReachable} retries with gRPC's connection backoff. No keepalive pings are sent, as
 * the grpc-java channel it replaces sent none; the server's pings are answered.
 */
final class NettyXdsTransport implements XdsTransport {
  private static final Logger log = LoggerFactory.getLogger(NettyXdsTransport.class);

  private final InetSocketAddress address;
  private final String authority;
  private final EventLoopGroup group;
  private final EventLoop loop;
  private final Bootstrap bootstrap;
  // confined to the event loop
  private Channel connection;
  private ChannelFuture connecting;
  private boolean closed;

  NettyXdsTransport(InetSocketAddress address) {
    this.address = address;
    String host = address.getHostString();
    this.authority = (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    Transports io = Transports.start(1, true, n -> "bowline-xds-io");
    this.group = io.group();
    this.loop = group.next();
    this.bootstrap = new Bootstrap().group(loop).channel(io.channel())
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 20_000)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(Http2FrameCodecBuilder.forClient()
                .initialSettings(Http2Settings.defaultSettings().pushEnabled(false)).build(),
                new Http2MultiplexHandler(new RefuseServerStreams()), new GrpcConnection(ch));
          }
        });
  }

  @Override
  public <Q extends Message, R extends Message> StreamingCall<Q> start(String fullMethodName, Q requestPrototype,
      R responsePrototype, Listener<R> listener) {
    @SuppressWarnings("unchecked")
    GrpcStream<Q, R> stream = new GrpcStream<>(loop, "/" + fullMethodName, authority,
        (com.google.protobuf.Parser<R>) responsePrototype.getParserForType(), listener);
    execute(() -> withConnection(ch -> ch.pipeline().get(GrpcConnection.class).open(stream),
        cause -> stream.fail("UNAVAILABLE", "cannot connect to " + authority + ": " + cause)));
    return stream;
  }

  @Override
  public void whenReachable(Runnable onReachable) {
    Backoff backoff = new Backoff();
    execute(() -> reach(onReachable, backoff));
  }

  private void reach(Runnable onReachable, Backoff backoff) {
    withConnection(ch -> onReachable.run(), cause -> {
      if (!closed) {
        loop.schedule(() -> reach(onReachable, backoff), backoff.nextDelayMs(), TimeUnit.MILLISECONDS);
      }
    });
  }

  /** Calls {@code onUp} with a connection that takes new streams, connecting if there is none. */
  private void withConnection(Consumer<Channel> onUp, Consumer<Throwable> onFailure) {
    if (closed) {
      onFailure.accept(new IllegalStateException("the xDS transport is closed"));
      return;
    }
    Channel c = connection;
    if (c != null && c.isActive() && c.pipeline().get(GrpcConnection.class).takesStreams()) {
      onUp.accept(c);
      return;
    }
    if (connecting == null) {
      ChannelFuture f = bootstrap.connect(address);
      connecting = f;
      f.addListener((ChannelFutureListener) done -> {
        connecting = null;
        if (done.isSuccess()) {
          connection = done.channel();
        } else {
          log.debug("xDS connection to {} failed", authority, done.cause());
        }
      });
    }
    connecting.addListener((ChannelFutureListener) done -> {
      if (done.isSuccess()) {
        onUp.accept(done.channel());
      } else {
        onFailure.accept(done.cause());
      }
    });
  }

  private void execute(Runnable task) {
    try {
      loop.execute(task);
    } catch (java.util.concurrent.RejectedExecutionException closing) {
      // closed: nothing to do
    }
  }

  @Override
  public void close() {
    execute(() -> {
      closed = true;
      if (connection != null) {
        connection.close();
      }
    });
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }

  /** A stream the server opens (a push, which the client's settings turn off) is closed at once. */
  @ChannelHandler.Sharable
  private static final class RefuseServerStreams extends ChannelInboundHandlerAdapter {
    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      ctx.close();
    }
  }
}
