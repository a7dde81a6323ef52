package io.bowline.proxy.gateway;

import io.bowline.api.config.SocketListener;
import io.bowline.proxy.ProxyLimits;
import io.bowline.proxy.Transports;
import io.bowline.proxy.http1.Http1RequestDecoder;
import io.bowline.proxy.http1.IdleTimeout;
import io.bowline.proxy.http2.Http2Server;
import io.bowline.proxy.http2.PriorKnowledgeSniffer;
import io.bowline.proxy.outbound.OutboundHandler;
import io.bowline.proxy.outbound.ProxyListener;
import io.bowline.proxy.outbound.UpstreamPools;
import io.bowline.runtime.pipeline.OutboundRouter;
import io.bowline.runtime.snapshot.MeshSnapshot;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts one gateway filter chain on a connection's pipeline: the chain's TLS termination (if any, offering the
 * context's {@code alpn_protocols}, istiod's {@code h2} and {@code http/1.1}; {@code h2} only when HTTP/2 is on),
 * then either HTTP (with HTTP/2 on, HTTP/2 when the connection starts with its preface, as a client that negotiated
 * {@code h2} does; else HTTP/1.1 with the proxy's strict decoder; {@code x-forwarded-proto}, and the outbound exchange routed by the chain's route configuration
 * through the runtime's pipeline) or a TCP forward (PASSTHROUGH).
 */
final class GatewayChains {
  private static final Logger log = LoggerFactory.getLogger(GatewayChains.class);

  private final OutboundRouter router;
  private final Transports transports;
  private final UpstreamPools pools;
  private final ProxyLimits limits;
  private final boolean http2;
  private final ServerTls tls;

  /** Where TCP forwards count their connections ({@code istio_tcp_*}), or {@code null}. */
  private volatile io.bowline.runtime.telemetry.TcpMetrics tcpMetrics;

  void tcpMetrics(io.bowline.runtime.telemetry.TcpMetrics metrics) {
    this.tcpMetrics = metrics;
  }

  /** Where TCP forwards write their {@code tcp_proxy}'s access logs; closed with the gateway server. */
  final io.bowline.runtime.telemetry.TcpAccessLogs tcpAccessLogs = new io.bowline.runtime.telemetry.TcpAccessLogs();

  /** Where ISTIO_MUTUAL chains get their certificate, key and roots: the mesh client's provider instances. */
  void providers(java.util.function.Function<io.bowline.api.config.UpstreamTls,
      io.bowline.runtime.tls.UpstreamTlsHandle> providers) {
    tls.providers(providers);
  }

  GatewayChains(OutboundRouter router, Transports transports, UpstreamPools pools, ProxyLimits limits,
      boolean http2) {
    this.router = router;
    this.transports = transports;
    this.pools = pools;
    this.limits = limits;
    this.http2 = http2;
    this.tls = new ServerTls(http2);
  }

  /**
   * Adds the chain's handlers at the end of {@code p}.
   *
   * @return false when the chain cannot serve (its TLS secret has not arrived): the connection is closed
   */
  boolean install(ChannelPipeline p, SocketListener listener, SocketListener.FilterChain chain) {
    if (chain.tcp() != null) {
      p.addLast(new TcpForward(router, transports, chain.tcp(), tcpMetrics, tcpAccessLogs));
      return true;
    }
    MeshSnapshot snapshot = router.snapshot();
    if (chain.tls() != null) {
      try {
        p.addLast(tls.context(chain.tls(), snapshot).newHandler(p.channel().alloc()));
      } catch (ServerTls.Unavailable e) {
        log.warn("listener {}: closing a connection: {}", listener.name(), e.getMessage());
        p.channel().close();
        return false;
      }
      if (chain.tls().validationSecret() != null) {
        p.addLast(new ClientCertificateCheck(chain.tls()));
      }
    }
    if (!limits.idleTimeout().isZero()) {
      p.addLast(new IdleTimeout(limits.idleTimeout()));
    }
    ProxyListener routes = ProxyListener.gateway(listener.name(), router, MeshSnapshot.gatewayRouteHost(chain.http()),
        listener.port(), limits, chain.tls() != null ? "https" : "http");
    Http1RequestDecoder decoder = new Http1RequestDecoder(limits);
    HttpResponseEncoder encoder = new HttpResponseEncoder();
    OutboundHandler http1 = new OutboundHandler(routes, pools, decoder);
    // HTTP/2 (h2 by ALPN over TLS, or h2c with prior knowledge), else HTTP/1.1: Envoy's codec_type AUTO
    if (http2) {
      p.addLast(new PriorKnowledgeSniffer(pl -> {
        pl.remove(decoder);
        pl.remove(encoder);
        pl.remove(http1);
        Http2Server.install(pl, limits.maxHeadersBytes(), () -> OutboundHandler.forStream(routes, pools));
      }));
    }
    p.addLast(decoder, encoder, http1);
    return true;
  }

  /**
   * Envoy's {@code match_subject_alt_names} on the client certificate, once the handshake (which verified it
   * against the CA) is done: a certificate none matches closes the connection.
   */
  private static final class ClientCertificateCheck extends ChannelInboundHandlerAdapter {
    private final SocketListener.DownstreamTls tls;

    ClientCertificateCheck(SocketListener.DownstreamTls tls) {
      this.tls = tls;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt instanceof SslHandshakeCompletionEvent done && done.isSuccess()) {
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        if (!peerAccepted(ssl)) {
          log.debug("closing a connection whose client certificate matches no subject alt name");
          ctx.close();
          return;
        }
        ctx.pipeline().remove(this);
      }
      ctx.fireUserEventTriggered(evt);
    }

    private boolean peerAccepted(SslHandler ssl) {
      Certificate[] peer;
      try {
        peer = ssl.engine().getSession().getPeerCertificates();
      } catch (SSLPeerUnverifiedException none) {
        return !tls.requireClientCertificate();
      }
      return peer.length > 0 && peer[0] instanceof X509Certificate x
          && ServerTls.subjectAltNamesMatch(x, tls.subjectAltNames());
    }
  }
}
