package io.bowline.runtime.adapter.grpc;

import io.bowline.api.config.MirrorPolicy;
import io.bowline.runtime.lb.UpstreamHost;
import io.bowline.runtime.pipeline.OutboundRouter;
import io.bowline.runtime.resilience.ClusterResilience;
import io.bowline.runtime.resilience.mirror.MirrorExecutor;
import io.bowline.runtime.resilience.mirror.MirrorMetrics;
import io.bowline.runtime.resilience.mirror.Mirrors;
import io.bowline.runtime.resilience.outlier.OutlierDetector;
import io.bowline.runtime.snapshot.ClusterEntry;
import com.google.protobuf.MessageLite;
import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Shadow copies of unary gRPC calls for Envoy {@code request_mirror_policies}: each policy that
 * fires sends the request message with the call's (edited) metadata, on the mirror executor
 * (bounded; full ⇒ dropped), through the shadow cluster's circuit breaker, load balancer and
 * outlier detection, with {@code -shadow} appended to {@code :authority} unless the policy disables
 * it, {@code x-envoy-attempt-count: 1} when the virtual host sets
 * {@code include_request_attempt_count} (as Envoy's router: it sets the count before it copies the
 * headers for shadows, so a shadow says 1 even when the call is retried), and a 15 s deadline. The shadow's response is discarded and never reaches or delays the
 * caller; outcomes and request message bytes (protobuf serialized size) are counted in
 * {@link MirrorMetrics} (UNAVAILABLE and DEADLINE_EXCEEDED count as {@code failure}: no answer).
 * An unreachable mirror endpoint costs little here: its grpc-java channel fails shadows fast while
 * it backs off reconnecting. Streaming calls are not mirrored.
 */
final class GrpcMirror {
  /** How long a shadow call may take, counted from the hand-off (queueing included). */
  static final long SHADOW_DEADLINE_MS = 15_000;

  private GrpcMirror() {}

  /**
   * Mirrors one unary request per {@code policies}; returns at once.
   *
   * @param attemptCount the virtual host's {@code include_request_attempt_count}: the shadow then
   *     carries {@code x-envoy-attempt-count: 1}, replacing any the caller sent
   */
  static <ReqT, RespT> void mirror(OutboundRouter router, EndpointChannels endpoints, List<MirrorPolicy> policies,
      MethodDescriptor<ReqT, RespT> method, Metadata headers, String authority, boolean attemptCount, ReqT message) {
    for (MirrorPolicy p : policies) {
      if (!Mirrors.fires(p)) {
        continue;
      }
      ClusterEntry shadow = router.cluster(p.cluster());
      if (shadow == null) {
        continue;
      }
      Metadata copy = new Metadata();
      copy.merge(headers);
      if (attemptCount) {
        copy.removeAll(MeshClientCall.ATTEMPT_COUNT_KEY);
        copy.put(MeshClientCall.ATTEMPT_COUNT_KEY, "1");
      }
      String shadowAuthority = Mirrors.shadowAuthority(p, authority);
      router.resilience().mirrors().submit(p.cluster(), TimeUnit.MILLISECONDS.toNanos(SHADOW_DEADLINE_MS),
          left -> send(router, endpoints, shadow, method, copy, shadowAuthority, message, left));
    }
  }

  private static <ReqT, RespT> long send(OutboundRouter router, EndpointChannels endpoints, ClusterEntry shadow,
      MethodDescriptor<ReqT, RespT> method, Metadata headers, String authority, ReqT message, long remainingNanos) {
    ClusterResilience state = router.resilience().cluster(shadow);
    MirrorMetrics metrics = router.resilience().mirrors().metrics();
    String cluster = shadow.cluster().name();
    var limits = shadow.cluster().resilience().circuitBreakers();
    if (!state.circuitBreaker().tryAcquireRequest(limits)) {
      metrics.dropped(cluster, MirrorMetrics.Drop.OVERFLOW);
      return MirrorExecutor.NOT_SENT;
    }
    try {
      UpstreamHost host = state.pick(shadow.balancing().balancer(), shadow.balancing().hosts().size(), null, 0);
      if (host == null) {
        metrics.dropped(cluster, MirrorMetrics.Drop.NO_HEALTHY_UPSTREAM);
        return MirrorExecutor.NOT_SENT;
      }
      host.onRequestStart();
      int status;
      StatusRuntimeException failure = null;
      try {
        ClientCalls.blockingUnaryCall(
            ClientInterceptors.intercept(endpoints.get(host.endpoint().address(), host.endpoint().port(),
                shadow.cluster().optionsOrNone().connectTimeoutMs()),
                MetadataUtils.newAttachHeadersInterceptor(headers)),
            method, CallOptions.DEFAULT.withAuthority(authority).withDeadlineAfter(remainingNanos, TimeUnit.NANOSECONDS),
            message);
        status = 200;
      } catch (StatusRuntimeException e) {
        status = GrpcStatuses.toHttp(e.getStatus().getCode());
        Status.Code code = e.getStatus().getCode();
        if (code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED) {
          failure = e; // no answer from the mirror target (the channel's own back-off applies)
        }
      } finally {
        host.onRequestEnd();
      }
      OutlierDetector od = state.outlier();
      if (od != null) {
        od.recordStatus(host, status);
      }
      if (failure != null) {
        throw failure;
      }
      return message instanceof MessageLite m ? m.getSerializedSize() : 0;
    } finally {
      state.circuitBreaker().releaseRequest();
    }
  }
}
