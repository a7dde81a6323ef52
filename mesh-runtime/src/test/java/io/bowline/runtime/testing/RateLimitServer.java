package io.bowline.runtime.testing;

import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A real gRPC server on loopback serving {@code envoy.service.ratelimit.v3.RateLimitService}, the
 * protocol envoyproxy/ratelimit serves: each {@code ShouldRateLimit} is answered by a function of
 * the request ({@code null}: never answered), and every request is recorded.
 */
public final class RateLimitServer implements AutoCloseable {
  private final Server server;
  private final List<RateLimitRequest> requests = Collections.synchronizedList(new ArrayList<>());
  private volatile Function<RateLimitRequest, RateLimitResponse> answer = r -> code(RateLimitResponse.Code.OK);

  public RateLimitServer() throws IOException {
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new RateLimitServiceGrpc.RateLimitServiceImplBase() {
          @Override
          public void shouldRateLimit(RateLimitRequest request, StreamObserver<RateLimitResponse> out) {
            requests.add(request);
            RateLimitResponse r = answer.apply(request);
            if (r != null) {
              out.onNext(r);
              out.onCompleted();
            }
          }
        })
        .build().start();
  }

  /** A response with only {@code overall_code}. */
  public static RateLimitResponse code(RateLimitResponse.Code code) {
    return RateLimitResponse.newBuilder().setOverallCode(code).build();
  }

  /** Answers every request from now on with {@code f} ({@code null} results are never answered). */
  public RateLimitServer answer(Function<RateLimitRequest, RateLimitResponse> f) {
    this.answer = f;
    return this;
  }

  public int port() {
    return server.getPort();
  }

  /** The requests received so far. */
  public List<RateLimitRequest> requests() {
    synchronized (requests) {
      return List.copyOf(requests);
    }
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}
