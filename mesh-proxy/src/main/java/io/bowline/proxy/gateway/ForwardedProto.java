package io.bowline.proxy.gateway;

import io.bowline.proxy.http1.Http1Request;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpRequest;

/**
 * Sets {@code x-forwarded-proto} on each request to the downstream connection's scheme, replacing what the
 * client sent, as Envoy's HTTP connection manager does at an edge ({@code use_remote_address: true}, which
 * istiod sets on gateways). A virtual host's {@code require_tls} reads it.
 */
@ChannelHandler.Sharable
final class ForwardedProto extends ChannelInboundHandlerAdapter {
  static final ForwardedProto HTTP = new ForwardedProto("http");
  static final ForwardedProto HTTPS = new ForwardedProto("https");

  private final String scheme;

  private ForwardedProto(String scheme) {
    this.scheme = scheme;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof Http1Request received) {
      received.set("x-forwarded-proto", scheme); // no header map
    } else if (msg instanceof HttpRequest request) {
      request.headers().set("x-forwarded-proto", scheme);
    }
    ctx.fireChannelRead(msg);
  }
}
