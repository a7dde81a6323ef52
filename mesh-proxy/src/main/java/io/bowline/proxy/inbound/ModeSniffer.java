package io.bowline.proxy.inbound;

import io.bowline.runtime.inbound.InboundMode;
import io.bowline.runtime.inbound.InboundPort;
import io.bowline.runtime.inbound.TlsSniffer;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslHandler;
import java.util.List;
import java.util.function.Function;
import javax.net.ssl.SSLEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * First handler of an inbound connection: reads its first bytes without consuming them ({@link TlsSniffer}, as
 * Envoy's {@code tls_inspector}), applies the port's PeerAuthentication mode as its server listener's filter chains
 * say, then removes itself. A TLS connection on a STRICT, TLS or PERMISSIVE port gets an {@link SslHandler} with the
 * port's engine (the workload certificate, clients verified as SPIFFE peers, ALPN {@code h2} or
 * {@code http/1.1}); a plaintext one on a PERMISSIVE or DISABLE port goes on as it is. Anything else (plaintext on
 * STRICT/TLS, TLS on DISABLE, any connection without a server listener) is closed with nothing read beyond those
 * bytes and nothing sent, the reason logged.
 */
final class ModeSniffer extends ByteToMessageDecoder {
  private static final Logger log = LoggerFactory.getLogger(ModeSniffer.class);
  private static final List<String> ALPN = List.of("h2", "http/1.1");

  private final Function<ChannelHandlerContext, InboundPort> port;

  /** @param port the inbound port whose server listener applies to a connection */
  ModeSniffer(Function<ChannelHandlerContext, InboundPort> port) {
    this.port = port;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    int n = Math.min(in.readableBytes(), TlsSniffer.BYTES_NEEDED);
    byte[] head = new byte[n];
    in.getBytes(in.readerIndex(), head);
    TlsSniffer.Result kind = TlsSniffer.classify(head, n);
    if (kind == TlsSniffer.Result.NEED_MORE) {
      return;
    }
    InboundPort p = port.apply(ctx);
    InboundMode mode = p.mode();
    boolean tls = kind == TlsSniffer.Result.TLS;
    if (tls ? mode == InboundMode.DISABLE || mode == InboundMode.NONE
        : mode != InboundMode.PERMISSIVE && mode != InboundMode.DISABLE) {
      log.info("inbound port {}: {} connection from {} refused: {}", p.port(), tls ? "TLS" : "plaintext",
          ctx.channel().remoteAddress(), refusal(mode, tls));
      in.skipBytes(in.readableBytes());
      ctx.close();
      return;
    }
    ctx.channel().attr(InboundConnection.KEY).set(new InboundConnection(p, tls));
    if (tls) {
      SslHandler ssl = new SslHandler(engine(p));
      ssl.handshakeFuture().addListener(f -> {
        if (!f.isSuccess()) {
          log.info("inbound port {}: TLS handshake with {} failed: {}", p.port(), ctx.channel().remoteAddress(),
              f.cause().getMessage());
        }
      });
      ctx.pipeline().addAfter(ctx.name(), null, ssl);
    }
    ctx.pipeline().remove(this); // hands the bytes read so far to what follows
  }

  private static String refusal(InboundMode mode, boolean tls) {
    return switch (mode) {
      case NONE -> "no server listener for the port (yet)";
      case STRICT -> "the port requires mTLS (PeerAuthentication STRICT)";
      case TLS -> "the port requires TLS";
      default -> tls ? "the port serves plaintext only (PeerAuthentication DISABLE)" : "not accepted";
    };
  }

  private static SSLEngine engine(InboundPort p) {
    SSLEngine engine = p.newSslEngine();
    engine.setHandshakeApplicationProtocolSelector((e, offered) -> ALPN.stream().filter(offered::contains)
        .findFirst().orElse(""));
    return engine;
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }
}
