package io.bowline.runtime.adapter.grpc;

import static io.bowline.runtime.testing.EnvoyResources.clusterName;
import static io.bowline.runtime.testing.EnvoyResources.edsCluster;
import static io.bowline.runtime.testing.EnvoyResources.endpoints;
import static io.bowline.runtime.testing.EnvoyResources.listener;
import static io.bowline.runtime.testing.EnvoyResources.prefix;
import static io.bowline.runtime.testing.EnvoyResources.routes;
import static io.bowline.runtime.testing.EnvoyResources.toCluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.bowline.api.MeshClient;
import io.bowline.api.filter.UpstreamAttempt;
import io.bowline.runtime.testing.XdsTestServer;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import com.google.protobuf.UInt32Value;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * gRFC A6's transparent retry, made by the mesh's router (the endpoint channels run with grpc-java's retry off): a
 * stream the upstream never processed (refused by a GOAWAY whose last stream id is below it, what a server aging
 * out its connection, {@code max_connection_age}, may do to a stream racing the GOAWAY, or by RST_STREAM
 * {@code REFUSED_STREAM}) is sent again once, on a fresh pick, without the route's retry policy; a second refusal is
 * Envoy's {@code refused-stream} (503 {@code UR}, retried only as {@code retry_on} says); a stream the upstream
 * processed and then reset is never sent again. The upstreams are raw HTTP/2 servers on loopback that refuse,
 * reset or answer as gRPC servers.
 */
class GrpcTransparentRetryTest {
  private static final String FQDN = "health.default.svc.cluster.local";
  private static final String CLUSTER = clusterName(9090, "", FQDN);

  /** What an upstream does with a request stream. */
  private enum Behaviour {
    /** GOAWAY (last stream 0) on its first connection's stream, answers on every later connection. */
    REFUSE_FIRST_CONNECTION,
    /** GOAWAY (last stream 0) on every stream. */
    REFUSE_BY_GOAWAY,
    /** RST_STREAM REFUSED_STREAM on every stream. */
    REFUSE_BY_RST_STREAM,
    /** Reads the whole request, then RST_STREAM INTERNAL_ERROR: processed, then failed. */
    PROCESS_THEN_RESET,
    /** Answers every stream as a gRPC server. */
    ANSWER
  }

  /** One raw HTTP/2 upstream and what it saw. */
  private static final class Upstream {
    final Channel channel;
    /** The accepted connections, closed with the upstream as a stopping server closes them. */
    final ChannelGroup accepted = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    final AtomicInteger connections = new AtomicInteger();
    final AtomicInteger streams = new AtomicInteger();
    final AtomicInteger answered = new AtomicInteger();

    Upstream(NioEventLoopGroup loops, Behaviour behaviour) throws InterruptedException {
      channel = new ServerBootstrap().group(loops).channel(NioServerSocketChannel.class)
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              accepted.add(ch);
              Http2FrameCodec codec = Http2FrameCodecBuilder.forServer().build();
              boolean first = connections.incrementAndGet() == 1;
              Behaviour b = behaviour == Behaviour.REFUSE_FIRST_CONNECTION
                  ? first ? Behaviour.REFUSE_BY_GOAWAY : Behaviour.ANSWER : behaviour;
              ch.pipeline().addLast(codec, new Handler(codec, b));
            }
          }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    int port() {
      return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    private final class Handler extends ChannelInboundHandlerAdapter {
      private final Http2FrameCodec codec;
      private final Behaviour behaviour;

      Handler(Http2FrameCodec codec, Behaviour behaviour) {
        this.codec = codec;
        this.behaviour = behaviour;
      }

      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
          if (msg instanceof Http2HeadersFrame headers && !headers.isEndStream()) {
            streams.incrementAndGet();
            if (behaviour == Behaviour.REFUSE_BY_GOAWAY) { // unprocessed: the last stream id is below this stream's
              codec.goAway(ctx.pipeline().context(codec), 0, Http2Error.NO_ERROR.code(),
                  Unpooled.copiedBuffer("max_age", StandardCharsets.US_ASCII), ctx.newPromise());
              ctx.flush();
            } else if (behaviour == Behaviour.REFUSE_BY_RST_STREAM) {
              ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.REFUSED_STREAM).stream(headers.stream()));
            }
          } else if (msg instanceof Http2DataFrame data && data.isEndStream()) {
            if (behaviour == Behaviour.PROCESS_THEN_RESET) {
              ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.INTERNAL_ERROR).stream(data.stream()));
            } else if (behaviour == Behaviour.ANSWER) {
              answered.incrementAndGet();
              ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")
                  .set("content-type", "application/grpc")).stream(data.stream()));
              byte[] body = HealthCheckResponse.newBuilder().setStatus(HealthCheckResponse.ServingStatus.SERVING)
                  .build().toByteArray();
              ctx.write(new DefaultHttp2DataFrame(Unpooled.buffer(5 + body.length).writeByte(0)
                  .writeInt(body.length).writeBytes(body)).stream(data.stream()));
              ctx.writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().set("grpc-status", "0"), true)
                  .stream(data.stream()));
            }
          }
        } finally {
          ReferenceCountUtil.release(msg);
        }
      }
    }
  }

  private XdsTestServer xds;
  private NioEventLoopGroup loops;
  private final List<Upstream> upstreams = new ArrayList<>();
  private MeshClient mesh;
  /** Every attempt end the filter SPI's observers saw, in order (telemetry observes the same ends). */
  private final List<UpstreamAttempt> attempts = new CopyOnWriteArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    xds = new XdsTestServer();
    loops = new NioEventLoopGroup(1);
  }

  @AfterEach
  void tearDown() throws Exception {
    for (Upstream u : upstreams) { // first, as stopping servers do: the mesh's channels then close at once
      u.channel.close().sync();
      u.accepted.close().sync();
    }
    if (mesh != null) {
      mesh.close();
    }
    loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    xds.close();
  }

  private Upstream upstream(Behaviour b) throws InterruptedException {
    Upstream u = new Upstream(loops, b);
    upstreams.add(u);
    return u;
  }

  /** Publishes the cluster over {@code ups} (round robin) behind a route with {@code retry} (or none). */
  private void publish(RetryPolicy retry, Upstream... ups) throws Exception {
    int[] ports = java.util.Arrays.stream(ups).mapToInt(Upstream::port).toArray();
    Route route = toCluster(prefix("/"), CLUSTER);
    if (retry != null) {
      route = route.toBuilder().setRoute(route.getRoute().toBuilder().setRetryPolicy(retry)).build();
    }
    xds.set(Snapshot.create(List.of(edsCluster(CLUSTER, Cluster.LbPolicy.ROUND_ROBIN)),
        List.of(endpoints(CLUSTER, ports)), List.of(listener(FQDN, 9090)), List.of(routes(FQDN, 9090, route)),
        List.of(), "1"));
    mesh = MeshClient.builder().workload("client", "default").xdsServer(xds.address())
        .filter((exchange, next) -> {
          exchange.onAttempt(attempts::add);
          return next.proceed(exchange);
        }).build();
    mesh.awaitReady(Duration.ofSeconds(30));
  }

  private HealthCheckResponse call() {
    return HealthGrpc.newBlockingStub(BowlineGrpc.channel(mesh, FQDN + ":9090"))
        .withDeadlineAfter(10, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance());
  }

  @Test
  void aStreamTheUpstreamRefusedUnprocessedByGoawayIsSentAgainAndTheCallSucceedsWithoutARetryPolicy() throws Exception {
    Upstream u = upstream(Behaviour.REFUSE_FIRST_CONNECTION);
    publish(null, u);
    assertThat(call().getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    assertThat(u.streams.get()).as("the refused stream, then the same call again").isEqualTo(2);
    assertThat(u.connections.get()).as("the second on a new connection").isEqualTo(2);
    assertThat(attempts).as("one attempt, ended by its replay's answer").singleElement()
        .satisfies(a -> assertThat(a.number()).isEqualTo(1)).satisfies(a -> assertThat(a.failure()).isEmpty());
  }

  @Test
  void theReplayOfAnUnprocessedStreamIsAFreshPickAndGoesToTheNextHost() throws Exception {
    Upstream refusing = upstream(Behaviour.REFUSE_BY_GOAWAY);
    Upstream answering = upstream(Behaviour.ANSWER);
    publish(null, refusing, answering);
    for (int i = 0; i < 4; i++) {
      assertThat(call().getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    }
    assertThat(refusing.streams.get()).as("round robin sent some first attempts to the refusing host").isPositive();
    assertThat(answering.answered.get()).as("every call answered by the other host").isEqualTo(4);
  }

  @Test
  void aStreamRefusedByRstStreamRefusedStreamIsSentAgainOnceThenFailsAsRefusedStream() throws Exception {
    Upstream u = upstream(Behaviour.REFUSE_BY_RST_STREAM);
    publish(null, u);
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, this::call);
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(e.getStatus().getDescription()).contains("remote refused stream reset");
    assertThat(u.streams.get()).as("the attempt and its one transparent replay").isEqualTo(2);
    assertThat(attempts).as("one attempt, ended by its replay's refusal").singleElement()
        .satisfies(a -> assertThat(a.number()).isEqualTo(1))
        .satisfies(a -> assertThat(a.failure()).isEqualTo("refused-stream"));
  }

  @Test
  void afterTheReplayRetryOnRefusedStreamRetriesAsEnvoyDoesCountedAgainstNumRetries() throws Exception {
    Upstream u = upstream(Behaviour.REFUSE_BY_GOAWAY);
    publish(RetryPolicy.newBuilder().setRetryOn("refused-stream").setNumRetries(UInt32Value.of(2)).build(), u);
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, this::call);
    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(u.streams.get()).as("the first attempt, its replay, then two counted retries").isEqualTo(4);
    assertThat(attempts).extracting(UpstreamAttempt::number).as("each attempt number ends once")
        .containsExactly(1, 2, 3);
  }

  @Test
  void aStreamTheUpstreamProcessedAndThenResetIsNotSentAgain() throws Exception {
    Upstream u = upstream(Behaviour.PROCESS_THEN_RESET);
    publish(null, u);
    StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, this::call);
    assertThat(e.getStatus().getCode()).isNotEqualTo(Status.Code.OK);
    assertThat(u.streams.get()).as("processed once, never replayed").isEqualTo(1);
  }
}
