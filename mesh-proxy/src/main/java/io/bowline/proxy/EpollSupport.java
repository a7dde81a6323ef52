package io.bowline.proxy;

import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import java.util.concurrent.ThreadFactory;

/** Netty's native epoll transport, touched only when its classes are on the class path. */
final class EpollSupport {
  private EpollSupport() {}

  static boolean available() {
    try {
      return Epoll.isAvailable();
    } catch (LinkageError e) {
      return false;
    }
  }

  static Transports start(int threads, ThreadFactory tf) {
    return new Transports("epoll", new MultiThreadIoEventLoopGroup(threads, tf, EpollIoHandler.newFactory()),
        EpollServerSocketChannel.class, EpollSocketChannel.class);
  }
}
