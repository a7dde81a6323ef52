package io.bowline.runtime.testing;

import io.bowline.api.MeshClient;
import io.bowline.runtime.adapter.grpc.BowlineGrpc;
import io.bowline.runtime.adapter.okhttp.MeshInterceptor;
import io.grpc.CallOptions;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;

/** One unary gRPC call through the mesh, summed up as tests compare it. */
public final class GrpcOutcomes {
  private static final MethodDescriptor<byte[], byte[]> UNARY = MethodDescriptor.<byte[], byte[]>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName("test.Echo/Unary")
      .setRequestMarshaller(NamedGrpcServer.BYTES).setResponseMarshaller(NamedGrpcServer.BYTES).build();
  private static final Metadata.Key<String> FLAGS =
      Metadata.Key.of(MeshInterceptor.RESPONSE_FLAGS_HEADER, Metadata.ASCII_STRING_MARSHALLER);

  private GrpcOutcomes() {}

  /**
   * Calls {@code test.Echo/Unary} on {@code target} through {@code mesh}.
   *
   * @return {@code "OK"}, or the status code followed by the response flags in brackets when there are any
   */
  public static String unary(MeshClient mesh, String target) {
    try {
      ClientCalls.blockingUnaryCall(BowlineGrpc.channel(mesh, target), UNARY, CallOptions.DEFAULT, new byte[] {1});
      return "OK";
    } catch (StatusRuntimeException e) {
      String flags = e.getTrailers() == null ? null : e.getTrailers().get(FLAGS);
      return e.getStatus().getCode() + (flags == null ? "" : " [" + flags + "]");
    }
  }
}
