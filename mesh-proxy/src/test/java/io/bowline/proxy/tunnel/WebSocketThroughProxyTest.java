package io.bowline.proxy.tunnel;

import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.proxy.IstioMesh;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * WebSocket through the outbound listener: an HTTP/1.1 {@code Upgrade: websocket} request, routed
 * by an Istio VirtualService to a real WebSocket echo server (Netty's), is answered 101 and the
 * connection then carries frames both ways, in both addressing styles; an {@code Upgrade: h2c} is
 * dropped, as Envoy drops it, and answered as HTTP/1.1.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebSocketThroughProxyTest {
  private EventLoopGroup group;
  private Channel echo;
  private IstioMesh istio;
  private final List<String> seenHeaders = new CopyOnWriteArrayList<>();

  @BeforeAll
  void start() throws Exception {
    group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    echo = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536),
                new SimpleChannelInboundHandler<io.netty.handler.codec.http.FullHttpRequest>(false) {
                  @Override
                  protected void channelRead0(ChannelHandlerContext ctx, io.netty.handler.codec.http.FullHttpRequest r) {
                    r.headers().forEach(e -> seenHeaders.add(e.getKey().toLowerCase() + ": " + e.getValue()));
                    if (r.headers().contains("upgrade", "websocket", true)) {
                      ctx.fireChannelRead(r);
                      return;
                    }
                    byte[] body = "plain".getBytes(StandardCharsets.UTF_8);
                    io.netty.handler.codec.http.DefaultFullHttpResponse res = new io.netty.handler.codec.http.DefaultFullHttpResponse(
                        r.protocolVersion(), io.netty.handler.codec.http.HttpResponseStatus.OK,
                        io.netty.buffer.Unpooled.wrappedBuffer(body));
                    res.headers().set("content-length", body.length);
                    r.release();
                    ctx.writeAndFlush(res);
                  }
                },
                new WebSocketServerProtocolHandler("/echo"),
                new SimpleChannelInboundHandler<TextWebSocketFrame>() {
                  @Override
                  protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame f) {
                    ctx.writeAndFlush(new TextWebSocketFrame("echo: " + f.text()));
                  }
                });
          }
        }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    int port = ((InetSocketAddress) echo.localAddress()).getPort();
    istio = new IstioMesh(IstioMesh.service("ws", 8080, "HTTP", java.util.Map.of("v1", port)) + """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: ws, namespace: default}
        spec:
          hosts: [ws.default.svc.cluster.local]
          http:
          - match: [{uri: {prefix: /chat}}]
            rewrite: {uri: /echo}
            route: [{destination: {host: ws.default.svc.cluster.local}}]
          - route: [{destination: {host: ws.default.svc.cluster.local}}]
        """);
  }

  @AfterAll
  void stop() throws Exception {
    istio.close();
    echo.close().sync();
    group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
  }

  @Test
  void aWebSocketEchoWorksAsToAnHttpProxy() throws IOException {
    exchangeFrames("GET http://ws.default.svc.cluster.local:8080/chat HTTP/1.1\r\n");
  }

  @Test
  void aWebSocketEchoWorksWithTheServiceAsHost() throws IOException {
    exchangeFrames("GET /chat HTTP/1.1\r\n");
  }

  private void exchangeFrames(String requestLine) throws IOException {
    try (Socket s = new Socket("127.0.0.1", istio.proxy().outboundPort())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write((requestLine
          + "Host: ws.default.svc.cluster.local:8080\r\n"
          + "Upgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      DataInputStream in = new DataInputStream(s.getInputStream());
      List<String> head = readHead(in);
      assertThat(head.get(0)).startsWith("HTTP/1.1 101");
      assertThat(head).anySatisfy(h -> assertThat(h.toLowerCase()).isEqualTo("upgrade: websocket"));
      assertThat(head).anySatisfy(h -> assertThat(h).isEqualToIgnoringCase("sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
      for (String text : List.of("hello", "again", "x".repeat(300))) {
        out.write(maskedTextFrame(text));
        out.flush();
        assertThat(readTextFrame(in)).isEqualTo("echo: " + text);
      }
    }
  }

  @Test
  void anH2cUpgradeIsDroppedAndAnsweredAsHttp11() throws IOException {
    seenHeaders.clear();
    try (Socket s = new Socket("127.0.0.1", istio.proxy().outboundPort())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write(("GET /plain HTTP/1.1\r\nHost: ws.default.svc.cluster.local:8080\r\n"
          + "Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      List<String> head = readHead(new DataInputStream(s.getInputStream()));
      assertThat(head.get(0)).startsWith("HTTP/1.1 200");
    }
    assertThat(seenHeaders).noneMatch(h -> h.startsWith("upgrade:") || h.startsWith("http2-settings:"));
  }

  private static List<String> readHead(InputStream in) throws IOException {
    List<String> lines = new ArrayList<>();
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int prev = -1;
    while (true) {
      int c = in.read();
      if (c < 0) {
        throw new IOException("connection closed in the response head: " + lines);
      }
      if (prev == '\r' && c == '\n') {
        byte[] b = line.toByteArray();
        String text = new String(b, 0, b.length - 1, StandardCharsets.US_ASCII);
        if (text.isEmpty()) {
          return lines;
        }
        lines.add(text);
        line.reset();
      } else {
        line.write(c);
      }
      prev = c;
    }
  }

  /** A client text frame (RFC 6455 §5.2: FIN, opcode 1, masked). */
  private static byte[] maskedTextFrame(String text) {
    byte[] payload = text.getBytes(StandardCharsets.UTF_8);
    byte[] mask = {0x11, 0x22, 0x33, 0x44};
    ByteArrayOutputStream f = new ByteArrayOutputStream();
    f.write(0x81);
    if (payload.length < 126) {
      f.write(0x80 | payload.length);
    } else {
      f.write(0x80 | 126);
      f.write(payload.length >> 8);
      f.write(payload.length & 0xff);
    }
    f.writeBytes(mask);
    for (int i = 0; i < payload.length; i++) {
      f.write(payload[i] ^ mask[i % 4]);
    }
    return f.toByteArray();
  }

  /** A server text frame (unmasked). */
  private static String readTextFrame(DataInputStream in) throws IOException {
    int b0 = in.readUnsignedByte();
    assertThat(b0).as("FIN and text opcode").isEqualTo(0x81);
    int len = in.readUnsignedByte() & 0x7f;
    if (len == 126) {
      len = in.readUnsignedShort();
    }
    byte[] payload = in.readNBytes(len);
    return new String(payload, StandardCharsets.UTF_8);
  }
}
