package io.bowline.runtime.filter.ratelimit;

import io.bowline.runtime.upstream.lb.UpstreamHost;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitServiceGrpc;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A gRPC client of {@code envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit}, the
 * protocol envoyproxy/ratelimit serves: one plaintext channel per endpoint of the
 * {@code rate_limit_service} cluster (the filter picks the endpoint through the cluster's load
 * balancer), kept until the client closes. Calls never block the caller: the answer completes a
 * future on a gRPC thread.
 */
public final class RateLimitServiceClient implements AutoCloseable {
  private final ConcurrentHashMap<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /**
   * Asks the service at {@code host} about {@code request}.
   *
   * @param host an endpoint of the rate limit service's cluster
   * @param request the domain and descriptors
   * @param timeoutNanos the call's deadline, in nanoseconds from now
   * @return the answer, or a future failed with the gRPC status (deadline, unavailable, ...)
   */
  public CompletableFuture<RateLimitResponse> shouldRateLimit(UpstreamHost host, RateLimitRequest request,
      long timeoutNanos) {
    CompletableFuture<RateLimitResponse> out = new CompletableFuture<>();
    if (closed) {
      out.completeExceptionally(new IllegalStateException("the mesh client is closed"));
      return out;
    }
    var endpoint = host.endpoint();
    ManagedChannel channel = channels.computeIfAbsent(endpoint.hostPort(),
        k -> ManagedChannelBuilder.forAddress(endpoint.address(), endpoint.port()).usePlaintext().build());
    ClientCalls.asyncUnaryCall(
        channel.newCall(RateLimitServiceGrpc.getShouldRateLimitMethod(),
            CallOptions.DEFAULT.withDeadlineAfter(timeoutNanos, TimeUnit.NANOSECONDS)),
        request, new StreamObserver<>() {
          @Override
          public void onNext(RateLimitResponse value) {
            out.complete(value);
          }

          @Override
          public void onError(Throwable t) {
            out.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            out.completeExceptionally(new IllegalStateException("ShouldRateLimit completed without a response"));
          }
        });
    return out;
  }

  /** Shuts every channel down. */
  @Override
  public void close() {
    closed = true;
    channels.values().forEach(ManagedChannel::shutdownNow);
    channels.clear();
  }
}
