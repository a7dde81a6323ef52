package io.bowline.proxy.http2;

import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.proxy.IstioMesh;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Request trailers: HTTP/1.1 chunked trailers (python3's socket module writes the request) and HTTP/2 trailers
 * ({@code nghttp --trailer}) reach an HTTP/2 upstream (a {@code HTTP2} port) as a trailing HEADERS frame; an
 * HTTP/1.1 upstream (a {@code HTTP} port) gets none, as Envoy's HTTP/1 codec sends none without
 * {@code enable_trailers}. Each upstream answers with the trailers it received in {@code x-request-trailers}.
 */
class RequestTrailersTest {
  private static final String H2 = "h2only.default.svc.cluster.local:8080";
  private static final String H1 = "chunked.default.svc.cluster.local:8081";

  private static H2cOnlyServer h2only;
  private static EventLoopGroup group;
  private static Channel http1;
  private static IstioMesh istio;

  @TempDir
  static Path dir;

  @BeforeAll
  static void start() throws Exception {
    h2only = new H2cOnlyServer();
    group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    http1 = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20),
                new SimpleChannelInboundHandler<FullHttpRequest>() {
                  @Override
                  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest r) {
                    Map<String, String> sorted = new TreeMap<>();
                    r.trailingHeaders().forEach(e -> sorted.put(e.getKey().toLowerCase(), e.getValue()));
                    StringBuilder listed = new StringBuilder();
                    sorted.forEach((k, v) -> listed.append(listed.length() == 0 ? "" : ";").append(k).append('=').append(v));
                    DefaultFullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                        Unpooled.copiedBuffer("h1 " + r.content().readableBytes(), StandardCharsets.UTF_8));
                    res.headers().set("x-request-trailers", listed.toString())
                        .set("content-length", res.content().readableBytes()).set("connection", "close");
                    ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
                  }
                });
          }
        }).bind("127.0.0.1", 0).sync().channel();
    istio = new IstioMesh(IstioMesh.service("h2only", 8080, "HTTP2", Map.of("v1", h2only.port()))
        + IstioMesh.service("chunked", 8081, "HTTP", Map.of("v1", ((InetSocketAddress) http1.localAddress()).getPort())));
  }

  @AfterAll
  static void stop() throws Exception {
    istio.close();
    http1.close().sync();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    h2only.close();
  }

  private static String run(List<String> cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
    return out;
  }

  /** A chunked HTTP/1.1 request with two trailers, written by python3 on a raw socket: the response as received. */
  private static String chunkedWithTrailers(String authority) throws Exception {
    String script = """
        import socket, sys
        s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
        s.sendall(("POST /t HTTP/1.1\\r\\nHost: " + sys.argv[2] + "\\r\\nTransfer-Encoding: chunked\\r\\n"
                   "Trailer: x-checksum, x-count\\r\\nConnection: close\\r\\n\\r\\n"
                   "5\\r\\nhello\\r\\n6\\r\\n world\\r\\n0\\r\\nx-checksum: abc\\r\\nx-count: 2\\r\\n\\r\\n").encode())
        out = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
        sys.stdout.write(out.decode().lower())
        """;
    Path file = dir.resolve("chunked.py");
    Files.writeString(file, script);
    return run(List.of("python3", file.toString(), Integer.toString(istio.proxy().outboundPort()), authority));
  }

  @Test
  void http11ChunkedTrailersReachAnHttp2Upstream() throws Exception {
    String out = chunkedWithTrailers(H2);

    assertThat(out).startsWith("http/1.1 200").contains("x-request-trailers: x-checksum=abc;x-count=2")
        .contains("h2 post /t 11");
  }

  @Test
  void trailersAreNotSentToAnHttp11UpstreamAsEnvoysHttp1CodecDropsThem() throws Exception {
    String out = chunkedWithTrailers(H1);

    assertThat(out).startsWith("http/1.1 200").contains("x-request-trailers: \r\n".toLowerCase())
        .contains("h1 11");
  }

  @Test
  void http2TrailersReachAnHttp2Upstream() throws Exception {
    Path body = Files.writeString(dir.resolve("body"), "hello world");
    String out = run(List.of("nghttp", "-v", "-d", body.toString(), "--trailer", "x-checksum: abc",
        "-H", ":authority: " + H2, "http://127.0.0.1:" + istio.proxy().outboundPort() + "/t"));

    assertThat(out).contains("x-request-trailers: x-checksum=abc");
  }
}
