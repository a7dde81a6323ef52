package io.bowline.proxy.gateway;

import io.bowline.api.config.SocketListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.AbstractSniHandler;
import io.netty.util.concurrent.Future;

/**
 * Envoy's {@code tls_inspector} and filter chain match: reads the connection's ClientHello (without consuming
 * it), selects the listener's filter chain by its server name, installs that chain and steps aside, so the
 * chain (a TLS terminator or a TCP forward) sees the connection from its first byte. A connection no chain
 * matches is closed, as Envoy does; so is one that does not start with a TLS record.
 */
final class ChainSelector extends AbstractSniHandler<SocketListener.FilterChain> {
  private final SocketListener listener;
  private final GatewayChains chains;

  ChainSelector(SocketListener listener, GatewayChains chains) {
    this.listener = listener;
    this.chains = chains;
  }

  @Override
  protected Future<SocketListener.FilterChain> lookup(ChannelHandlerContext ctx, String hostname) {
    return ctx.executor().newSucceededFuture(listener.select(hostname));
  }

  @Override
  protected void onLookupComplete(ChannelHandlerContext ctx, String hostname,
      Future<SocketListener.FilterChain> future) {
    SocketListener.FilterChain chain = future.getNow();
    if (chain == null) {
      ctx.close(); // no filter chain matches the server name
      return;
    }
    if (chains.install(ctx.pipeline(), listener, chain)) {
      ctx.pipeline().remove(this); // hands the buffered ClientHello to the chain
    }
  }
}
