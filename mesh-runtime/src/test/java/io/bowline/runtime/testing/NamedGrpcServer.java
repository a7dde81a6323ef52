package io.bowline.runtime.testing;

import io.grpc.ForwardingServerCall;
import io.grpc.HandlerRegistry;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * A real grpc-java server on loopback. It serves {@code grpc.health.v1.Health} (SERVING) and, for
 * any other method, answers each request message with its own name (bytes). Every response
 * carries headers {@code x-backend} (its name), {@code x-seen-authority}, {@code x-seen-path} and
 * {@code x-seen-<name>} for each request header starting with {@code x-}.
 */
public final class NamedGrpcServer implements AutoCloseable {
  /** A pass-through marshaller for any method. */
  public static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  private final String name;
  private final Server server;

  public NamedGrpcServer(String name) throws IOException {
    this.name = name;
    HealthStatusManager health = new HealthStatusManager();
    health.setStatus("", HealthCheckResponse.ServingStatus.SERVING);
    ServerInterceptor echo = new Echo();
    this.server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(ServerInterceptors.intercept(health.getHealthService(), echo))
        .fallbackHandlerRegistry(new AnyMethod(echo))
        .build()
        .start();
  }

  public int port() {
    return server.getPort();
  }

  public String name() {
    return name;
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
  }

  private final class AnyMethod extends HandlerRegistry {
    private final ServerInterceptor echo;

    AnyMethod(ServerInterceptor echo) {
      this.echo = echo;
    }

    @Override
    public ServerMethodDefinition<?, ?> lookupMethod(String methodName, String authority) {
      MethodDescriptor<byte[], byte[]> method = MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
          .setFullMethodName(methodName)
          .setRequestMarshaller(BYTES)
          .setResponseMarshaller(BYTES)
          .build();
      ServerCallHandler<byte[], byte[]> handler = ServerCalls.asyncBidiStreamingCall(
          (StreamObserver<byte[]> responses) -> new StreamObserver<byte[]>() {
        @Override
        public void onNext(byte[] value) {
          responses.onNext(name.getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {
          responses.onCompleted();
        }
      });
      ServerServiceDefinition service = ServerServiceDefinition.builder(
              io.grpc.ServiceDescriptor.newBuilder(MethodDescriptor.extractFullServiceName(methodName)).addMethod(method).build())
          .addMethod(method, handler)
          .build();
      return ServerInterceptors.intercept(service, echo).getMethod(methodName);
    }
  }

  private final class Echo implements ServerInterceptor {
    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      Metadata echoed = new Metadata();
      echoed.put(key("x-backend"), name);
      echoed.put(key("x-seen-authority"), String.valueOf(call.getAuthority()));
      echoed.put(key("x-seen-path"), "/" + call.getMethodDescriptor().getFullMethodName());
      for (String k : headers.keys()) {
        if (k.startsWith("x-") && !k.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
          echoed.put(key("x-seen-" + k), String.join(",", headers.getAll(key(k))));
        }
      }
      return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
        @Override
        public void sendHeaders(Metadata responseHeaders) {
          responseHeaders.merge(echoed);
          super.sendHeaders(responseHeaders);
        }

        @Override
        public void close(Status status, Metadata trailers) {
          super.close(status, trailers);
        }
      }, headers);
    }
  }

  private static Metadata.Key<String> key(String name) {
    return Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
  }
}
