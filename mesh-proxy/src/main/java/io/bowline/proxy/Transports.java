package io.bowline.proxy;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * The Netty transport the proxy runs on: native epoll when Netty's native library loads on this
 * machine (Linux x86_64 and aarch64), else NIO. One event-loop group serves the listeners and the
 * upstream connections, so a request and its upstream connection share a thread.
 *
 * @param name {@code epoll} or {@code nio}
 * @param group the event loops
 * @param serverChannel the listening socket class
 * @param channel the connection socket class
 */
public record Transports(String name, EventLoopGroup group, Class<? extends ServerChannel> serverChannel,
    Class<? extends SocketChannel> channel) {

  /**
   * Starts {@code threads} event loops (daemon threads named {@code bowline-proxy-N}).
   *
   * @param preferNative whether to use epoll when it is available
   */
  public static Transports start(int threads, boolean preferNative) {
    return start(threads, preferNative, n -> "bowline-proxy-" + n);
  }

  /**
   * Starts {@code threads} event loops on daemon threads named by {@code name} from their number (1, 2...). The proxy's
   * xDS connection takes its own loop this way, on the same transport as the listeners: with epoll, Netty's NIO
   * transport and the JDK's selector classes are never loaded.
   *
   * <p>The threads are Netty's {@link FastThreadLocalThread}s, as Netty's own thread factory makes them: on any
   * other thread Netty's object pools ({@code Recycler}: each pooled buffer's object, each outbound-buffer entry,
   * each thread-cache entry) make a new object per use instead of reusing one, and its thread-locals take the
   * slow path.
   *
   * @param preferNative whether to use epoll when it is available
   * @param name a thread's name from its number
   */
  public static Transports start(int threads, boolean preferNative, IntFunction<String> name) {
    AtomicInteger n = new AtomicInteger();
    return onThreads(threads, preferNative, r -> {
      Thread t = new FastThreadLocalThread(r, name.apply(n.incrementAndGet()));
      t.setDaemon(true);
      return t;
    });
  }

  private static Transports onThreads(int threads, boolean preferNative, ThreadFactory tf) {
    if (preferNative && EpollSupport.available()) {
      return EpollSupport.start(threads, tf);
    }
    IoHandlerFactory io = NioIoHandler.newFactory();
    return new Transports("nio", new MultiThreadIoEventLoopGroup(threads, tf, io), NioServerSocketChannel.class,
        NioSocketChannel.class);
  }

  /**
   * A listening socket's bootstrap on these event loops, with the proxy's socket options (backlog 4096,
   * {@code TCP_NODELAY}, write-buffer water marks 32/64 KiB for flow control); add the child handler and bind.
   */
  public io.netty.bootstrap.ServerBootstrap listener() {
    return new io.netty.bootstrap.ServerBootstrap().group(group).channel(serverChannel)
        .option(io.netty.channel.ChannelOption.SO_BACKLOG, 4096)
        .childOption(io.netty.channel.ChannelOption.TCP_NODELAY, true)
        .childOption(io.netty.channel.ChannelOption.WRITE_BUFFER_WATER_MARK,
            new io.netty.channel.WriteBufferWaterMark(32 * 1024, 64 * 1024));
  }

  /** Stops the event loops and waits for them. */
  public void stop() {
    group.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
  }
}
