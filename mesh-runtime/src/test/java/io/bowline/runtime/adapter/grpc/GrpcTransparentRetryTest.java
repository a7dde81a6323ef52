package io.bowline.runtime.adapter.grpc;

import static io.bowline.runtime.testing.EnvoyResources.clusterName;
import static io.bowline.runtime.testing.EnvoyResources.edsCluster;
import static io.bowline.runtime.testing.EnvoyResources.endpoints;
import static io.bowline.runtime.testing.EnvoyResources.listener;
import static io.bowline.runtime.testing.EnvoyResources.prefix;
import static io.bowline.runtime.testing.EnvoyResources.routes;
import static io.bowline.runtime.testing.EnvoyResources.toCluster;
import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.api.MeshClient;
import io.bowline.runtime.testing.XdsTestServer;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * gRFC A6's transparent retry on the mesh's endpoint channels, as on a direct grpc-java channel: a stream the
 * upstream refused unprocessed, by a GOAWAY whose last stream id is below it (what a server aging out its connection,
 * {@code max_connection_age}, may do to a stream racing the GOAWAY), is sent again on a new connection by grpc-java
 * without the route's retry policy, which here has none, and the call succeeds. The upstream is a raw HTTP/2 server
 * on loopback that refuses the first stream of its first connection so and answers every other one as a gRPC server.
 */
class GrpcTransparentRetryTest {
  private static final String FQDN = "health.default.svc.cluster.local";
  private static final String CLUSTER = clusterName(9090, "", FQDN);

  private XdsTestServer xds;
  private NioEventLoopGroup loops;
  private Channel server;
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicInteger streams = new AtomicInteger();
  private MeshClient mesh;

  @BeforeEach
  void setUp() throws Exception {
    xds = new XdsTestServer();
    loops = new NioEventLoopGroup(1);
    server = new ServerBootstrap().group(loops).channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            Http2FrameCodec codec = Http2FrameCodecBuilder.forServer().build();
            ch.pipeline().addLast(codec, new RefusesTheFirstStream(codec, connections.incrementAndGet() == 1));
          }
        }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (mesh != null) {
      mesh.close();
    }
    server.close().sync();
    loops.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
    xds.close();
  }

  /** Refuses its connection's first stream with a GOAWAY of last stream id 0 when told to; answers gRPC otherwise. */
  private final class RefusesTheFirstStream extends ChannelInboundHandlerAdapter {
    private final Http2FrameCodec codec;
    private final boolean refuse;

    RefusesTheFirstStream(Http2FrameCodec codec, boolean refuse) {
      this.codec = codec;
      this.refuse = refuse;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (msg instanceof Http2HeadersFrame headers && !headers.isEndStream()) {
          streams.incrementAndGet();
          if (refuse) { // unprocessed: the last stream id is below this stream's
            codec.goAway(ctx.pipeline().context(codec), 0, Http2Error.NO_ERROR.code(),
                Unpooled.copiedBuffer("max_age", StandardCharsets.US_ASCII), ctx.newPromise());
            ctx.flush();
          }
        } else if (msg instanceof Http2DataFrame data && data.isEndStream() && !refuse) {
          ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")
              .set("content-type", "application/grpc")).stream(data.stream()));
          byte[] body = HealthCheckResponse.newBuilder().setStatus(HealthCheckResponse.ServingStatus.SERVING).build()
              .toByteArray();
          ctx.write(new DefaultHttp2DataFrame(Unpooled.buffer(5 + body.length).writeByte(0).writeInt(body.length)
              .writeBytes(body)).stream(data.stream()));
          ctx.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().set("grpc-status", "0"), true)
              .stream(data.stream()));
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }
  }

  @Test
  void aStreamTheUpstreamRefusedUnprocessedByGoawayIsSentAgainAndTheCallSucceedsWithoutARetryPolicy() throws Exception {
    int port = ((InetSocketAddress) server.localAddress()).getPort();
    xds.set(Snapshot.create(List.of(edsCluster(CLUSTER, Cluster.LbPolicy.ROUND_ROBIN)), List.of(endpoints(CLUSTER, port)),
        List.of(listener(FQDN, 9090)), List.of(routes(FQDN, 9090, toCluster(prefix("/"), CLUSTER))), List.of(), "1"));
    mesh = MeshClient.builder().workload("client", "default").xdsServer(xds.address()).build();
    mesh.awaitReady(Duration.ofSeconds(10));
    HealthCheckResponse r = HealthGrpc.newBlockingStub(BowlineGrpc.channel(mesh, FQDN + ":9090"))
        .withDeadlineAfter(10, java.util.concurrent.TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance());
    assertThat(r.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    assertThat(streams.get()).as("the refused stream, then the same call again").isEqualTo(2);
    assertThat(connections.get()).as("the second on a new connection").isEqualTo(2);
  }
}
