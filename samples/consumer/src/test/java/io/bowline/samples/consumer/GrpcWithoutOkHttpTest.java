package io.bowline.samples.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.bowline.api.MeshClient;
import io.bowline.runtime.adapter.grpc.BowlineGrpc;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * mesh-runtime declares OkHttp optional: an application that calls only through gRPC has no
 * OkHttp, okio or Kotlin standard library on its classpath, and routes. Surefire's
 * {@code grpc-without-okhttp} execution runs this class (tag {@code without-okhttp}) with those
 * jars taken off the test classpath; the default execution excludes the tag, also under
 * {@code -Dtest}. The route configuration sends {@code /demo.Echo/...} to cluster echo-v2 and
 * everything else to echo-v1, and the call lands on v2's server.
 */
@Tag("without-okhttp")
class GrpcWithoutOkHttpTest {
  private static final MethodDescriptor.Marshaller<String> TEXT = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(String value) {
      return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String parse(InputStream stream) {
      try {
        return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };
  private static final MethodDescriptor<String, String> ECHO = MethodDescriptor.<String, String>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName("demo.Echo/Say")
      .setRequestMarshaller(TEXT).setResponseMarshaller(TEXT).build();

  @Test
  void aGrpcCallIsRoutedWithNoOkHttpOnTheClasspath(@TempDir Path dir) throws Exception {
    assertThrows(ClassNotFoundException.class, () -> Class.forName("okhttp3.OkHttpClient"));
    assertThrows(ClassNotFoundException.class, () -> Class.forName("kotlin.Unit"));
    Server v1 = server("v1");
    Server v2 = server("v2");
    try {
      Path envoy = dir.resolve("envoy.json");
      Files.writeString(envoy, TwoVersionsConfig.json("echo", 9090, "/demo.Echo/", v1.getPort(), v2.getPort()));
      try (MeshClient mesh = MeshClient.builder().workload("consumer", "default").staticConfig(envoy).build()) {
        mesh.awaitReady(Duration.ofSeconds(30));
        ManagedChannel channel = BowlineGrpc.channel(mesh, "echo:9090");
        try {
          assertEquals("v2 hello", ClientCalls.blockingUnaryCall(channel, ECHO,
              CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), "hello"));
        } finally {
          channel.shutdownNow();
        }
      }
    } finally {
      v1.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      v2.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static Server server(String name) throws IOException {
    ServerServiceDefinition echo = ServerServiceDefinition.builder("demo.Echo")
        .addMethod(ECHO, ServerCalls.asyncUnaryCall((request, response) -> {
          response.onNext(name + " " + request);
          response.onCompleted();
        }))
        .build();
    return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(echo).build().start();
  }
}
