package io.bowline.runtime.adapter.grpc;

import com.google.protobuf.MessageLite;
import io.bowline.runtime.filter.mirror.ShadowSender;
import io.bowline.runtime.upstream.lb.UpstreamHost;
import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.util.concurrent.TimeUnit;

/**
 * How the gRPC adapter sends a unary call's shadow for the mirror filter: the request message with
 * the call's (edited) metadata, on the endpoint's pooled channel, from a mirror thread. UNAVAILABLE
 * and DEADLINE_EXCEEDED mean no answer (a failure); any other status is the shadow's response,
 * counted as the HTTP status Envoy attributes to it.
 */
final class GrpcShadows {
  private GrpcShadows() {}

  static <ReqT, RespT> ShadowSender.Sent send(EndpointChannels endpoints, UpstreamHost host,
      MethodDescriptor<ReqT, RespT> method, Metadata headers, String authority, boolean attemptCount, ReqT message,
      long remainingNanos, long connectTimeoutMillis) {
    Metadata copy = new Metadata();
    copy.merge(headers);
    if (attemptCount) {
      copy.removeAll(MeshClientCall.ATTEMPT_COUNT_KEY);
      copy.put(MeshClientCall.ATTEMPT_COUNT_KEY, "1");
    }
    CallOptions options = CallOptions.DEFAULT.withAuthority(authority);
    if (remainingNanos != Long.MAX_VALUE) {
      options = options.withDeadlineAfter(remainingNanos, TimeUnit.NANOSECONDS);
    }
    int status;
    try {
      ClientCalls.blockingUnaryCall(
          ClientInterceptors.intercept(endpoints.get(host.endpoint().address(), host.endpoint().port(),
              connectTimeoutMillis), MetadataUtils.newAttachHeadersInterceptor(copy)),
          method, options, message);
      status = 200;
    } catch (StatusRuntimeException e) {
      Status.Code code = e.getStatus().getCode();
      if (code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED) {
        throw e; // no answer from the mirror target (the channel's own back-off applies)
      }
      status = GrpcStatuses.toHttp(code);
    }
    return new ShadowSender.Sent(status, message instanceof MessageLite m ? m.getSerializedSize() : 0);
  }
}
