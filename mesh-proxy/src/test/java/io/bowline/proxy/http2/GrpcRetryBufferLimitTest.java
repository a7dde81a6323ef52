package io.bowline.proxy.http2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.bowline.proxy.IstioMesh;
import io.bowline.runtime.testing.NamedGrpcServer;
import io.bowline.runtime.testing.ScriptedGrpcServer;
import io.bowline.runtime.testing.ScriptedGrpcServer.Action;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Retries of HTTP/2 (gRPC) requests through the proxy against Envoy's request buffer limit (1 MiB, the
 * listener's {@code per_connection_buffer_limit_bytes}): a small unary request (its body arrives with its headers)
 * is buffered and retried on {@code unavailable} (VirtualService {@code retries}); one over the limit is streamed
 * to its first attempt and not retried, so the caller gets that attempt's status, as Envoy does.
 */
class GrpcRetryBufferLimitTest {
  private static final String AUTHORITY = "flaky.default.svc.cluster.local:50051";
  private static final MethodDescriptor<byte[], byte[]> SAY = MethodDescriptor.<byte[], byte[]>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName("echo.Echo/Say")
      .setRequestMarshaller(NamedGrpcServer.BYTES).setResponseMarshaller(NamedGrpcServer.BYTES).build();

  private ScriptedGrpcServer server;
  private IstioMesh istio;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws Exception {
    server = new ScriptedGrpcServer("v1");
    istio = new IstioMesh(IstioMesh.service("flaky", 50051, "GRPC", Map.of("v1", server.port())) + """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: flaky, namespace: default}
        spec:
          hosts: [flaky.default.svc.cluster.local]
          http:
          - route: [{destination: {host: flaky.default.svc.cluster.local}}]
            retries: {attempts: 3, retryOn: unavailable}
        """);
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", istio.proxy().outboundPort()).usePlaintext()
        .overrideAuthority(AUTHORITY).proxyDetector(a -> null).maxInboundMessageSize(8 << 20).build();
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    istio.close();
    server.close();
  }

  private byte[] call(int bodyBytes) {
    return ClientCalls.blockingUnaryCall(channel, SAY, CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS),
        new byte[bodyBytes]);
  }

  @Test
  void aSmallRequestIsBufferedAndRetried() {
    server.then(Action.fail(Status.Code.UNAVAILABLE));

    assertThat(call(1024)).isNotEmpty();
    assertThat(server.calls()).isEqualTo(2);
    assertThat(server.attemptCounts()).containsExactly("1", "2");
  }

  @Test
  void aRequestOverTheBufferLimitGoesToOneAttemptAndIsNotRetried() {
    server.then(Action.fail(Status.Code.UNAVAILABLE));

    assertThatThrownBy(() -> call(2 * 1024 * 1024)).isInstanceOf(StatusRuntimeException.class)
        .satisfies(e -> assertThat(((StatusRuntimeException) e).getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    assertThat(server.calls()).isEqualTo(1);
  }
}
