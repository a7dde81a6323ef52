package io.bowline.proxy.admin;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * The admin port's pages by path: {@code GET path} renders the page registered for it; other paths
 * go to the fallback when there is one; without one, {@code /} lists the pages and anything else is
 * 404. Pages are registered before the port opens.
 */
public final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  private final Map<String, AdminPage> pages;
  private final AdminPage.Fallback fallback;

  /** @param pages the pages by path, e.g. {@code /ready} */
  public AdminHandler(Map<String, AdminPage> pages) {
    this(pages, null);
  }

  /**
   * @param pages the pages by path, e.g. {@code /ready}
   * @param fallback answers every other path, or {@code null}
   */
  public AdminHandler(Map<String, AdminPage> pages, AdminPage.Fallback fallback) {
    this.pages = new TreeMap<>(pages);
    this.fallback = fallback;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    String uri = request.uri();
    int q = uri.indexOf('?');
    String path = q < 0 ? uri : uri.substring(0, q);
    AdminPage.Response r;
    AdminPage page = pages.get(path);
    if (page != null) {
      r = page.render();
    } else if (fallback != null) {
      r = fallback.render(request.method().name(), path, q < 0 ? null : uri.substring(q + 1));
    } else if (path.equals("/")) {
      StringBuilder b = new StringBuilder("bowline-proxy admin\n");
      pages.keySet().forEach(p -> b.append("  ").append(p).append('\n'));
      r = new AdminPage.Response(200, "text/plain; charset=utf-8", b.toString());
    } else {
      r = new AdminPage.Response(404, "text/plain; charset=utf-8", "no admin page " + path + "\n");
    }
    byte[] body = r.body().getBytes(StandardCharsets.UTF_8);
    DefaultFullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(r.status()),
        Unpooled.wrappedBuffer(body));
    res.headers().set(HttpHeaderNames.CONTENT_TYPE, r.contentType());
    res.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.length);
    boolean keepAlive = HttpUtil.isKeepAlive(request);
    if (!keepAlive) {
      res.headers().set(HttpHeaderNames.CONNECTION, "close");
    }
    var f = ctx.writeAndFlush(res);
    if (!keepAlive) {
      f.addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }
}
