package io.bowline.benchmarks;

import io.bowline.runtime.adapter.grpc.BowlineGrpc;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * P1 throughput: gRPC unary calls from 16 concurrent callers: mesh channel, grpc-java's xDS channel
 * (the peer) and the plain channel, each in its own fork of the same run.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(1)
@Threads(16)
@State(Scope.Benchmark)
public class GrpcThroughputBenchmark {
  private EndToEndFixture fixture;
  private ManagedChannel directChannel;
  private HealthGrpc.HealthBlockingStub directStub;
  private HealthGrpc.HealthBlockingStub meshStub;
  private ManagedChannel xdsChannel;
  private HealthGrpc.HealthBlockingStub xdsStub;

  @Setup
  public void setUp() throws Exception {
    fixture = new EndToEndFixture();
    directChannel = NettyChannelBuilder.forAddress("127.0.0.1", fixture.grpc.getPort()).usePlaintext().build();
    directStub = HealthGrpc.newBlockingStub(directChannel);
    meshStub = HealthGrpc.newBlockingStub(BowlineGrpc.channel(fixture.mesh, EndToEndFixture.GRPC_HOST + ":80"));
    xdsChannel = fixture.grpcXdsChannel();
    xdsStub = HealthGrpc.newBlockingStub(xdsChannel);
  }

  @TearDown
  public void tearDown() throws Exception {
    directChannel.shutdownNow();
    xdsChannel.shutdownNow();
    fixture.close();
  }

  @Benchmark
  public HealthCheckResponse plainChannel() {
    return directStub.check(HealthCheckRequest.getDefaultInstance());
  }

  @Benchmark
  public HealthCheckResponse meshChannel() {
    return meshStub.check(HealthCheckRequest.getDefaultInstance());
  }

  /** The peer: grpc-java's own xDS client ({@code xds:///}) on the same control plane and server. */
  @Benchmark
  public HealthCheckResponse grpcXdsChannel() {
    return xdsStub.check(HealthCheckRequest.getDefaultInstance());
  }
}
