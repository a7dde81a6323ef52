package io.bowline.benchmarks;

import io.bowline.runtime.adapter.grpc.BowlineGrpc;
import io.bowline.runtime.adapter.okhttp.BowlineOkHttp;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * P1: latency per call on loopback, mesh vs direct, in the same run: OkHttp GET of a 1 KB body and
 * a gRPC unary call ({@code grpc.health.v1.Health/Check}). The mesh variants go through the xDS
 * listener, route (15 s timeout, retry policy), cluster (outlier detection) and least-request pick
 * to the same server; {@code grpcXds} is grpc-java's own xDS client ({@code xds:///}) on the same
 * control plane, the peer. Sample mode reports p50 and p99; the added latency is mesh (or grpc-xds)
 * minus direct. {@link P1Report} runs this and {@link GrpcThroughputBenchmark} and prints the table.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(1)
@State(Scope.Benchmark)
public class EndToEndLatencyBenchmark {
  private EndToEndFixture fixture;
  private OkHttpClient direct;
  private OkHttpClient meshed;
  private Request directRequest;
  private Request meshRequest;
  private ManagedChannel directChannel;
  private HealthGrpc.HealthBlockingStub directStub;
  private HealthGrpc.HealthBlockingStub meshStub;
  private ManagedChannel xdsChannel;
  private HealthGrpc.HealthBlockingStub xdsStub;

  @Setup
  public void setUp() throws Exception {
    fixture = new EndToEndFixture();
    direct = new OkHttpClient();
    meshed = BowlineOkHttp.install(fixture.mesh, new OkHttpClient.Builder()).build();
    directRequest = new Request.Builder().url("http://127.0.0.1:" + fixture.httpPort + "/items/1").build();
    meshRequest = new Request.Builder().url("http://" + EndToEndFixture.HTTP_HOST + "/items/1").build();
    directChannel = NettyChannelBuilder.forAddress("127.0.0.1", fixture.grpc.getPort()).usePlaintext().build();
    directStub = HealthGrpc.newBlockingStub(directChannel);
    Channel meshChannel = BowlineGrpc.channel(fixture.mesh, EndToEndFixture.GRPC_HOST + ":80");
    meshStub = HealthGrpc.newBlockingStub(meshChannel);
    xdsChannel = fixture.grpcXdsChannel();
    xdsStub = HealthGrpc.newBlockingStub(xdsChannel);
  }

  @TearDown
  public void tearDown() throws Exception {
    directChannel.shutdownNow();
    xdsChannel.shutdownNow();
    direct.connectionPool().evictAll();
    meshed.connectionPool().evictAll();
    fixture.close();
  }

  @Benchmark
  public int okHttpDirect() throws Exception {
    try (Response r = direct.newCall(directRequest).execute()) {
      return r.body().bytes().length;
    }
  }

  @Benchmark
  public int okHttpMesh() throws Exception {
    try (Response r = meshed.newCall(meshRequest).execute()) {
      return r.body().bytes().length;
    }
  }

  @Benchmark
  public HealthCheckResponse grpcDirect() {
    return directStub.check(HealthCheckRequest.getDefaultInstance());
  }

  @Benchmark
  public HealthCheckResponse grpcMesh() {
    return meshStub.check(HealthCheckRequest.getDefaultInstance());
  }

  /** The peer: grpc-java's own xDS client, same control plane, same server. */
  @Benchmark
  public HealthCheckResponse grpcXds() {
    return xdsStub.check(HealthCheckRequest.getDefaultInstance());
  }
}
