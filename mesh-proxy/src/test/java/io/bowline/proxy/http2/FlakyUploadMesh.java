package io.bowline.proxy.http2;

import io.bowline.proxy.IstioMesh;
import io.bowline.runtime.testing.NamedGrpcServer;
import io.grpc.HandlerRegistry;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The retry-buffer tests' loopback mesh: a grpc-java upstream serving client-streaming {@link #UPLOAD} with a
 * test's handler (messages up to 8 MiB), the proxy in front of it from Istio YAML (service {@code flaky}, port
 * 50051, one VirtualService route with the test's {@code retries}), and a plaintext channel to the proxy's outbound
 * port with {@link #AUTHORITY}.
 */
final class FlakyUploadMesh implements AutoCloseable {
  static final String HOST = "flaky.default.svc.cluster.local";
  static final String AUTHORITY = HOST + ":50051";
  static final MethodDescriptor<byte[], byte[]> UPLOAD = MethodDescriptor.<byte[], byte[]>newBuilder()
      .setType(MethodDescriptor.MethodType.CLIENT_STREAMING).setFullMethodName("echo.Echo/Upload")
      .setRequestMarshaller(NamedGrpcServer.BYTES).setResponseMarshaller(NamedGrpcServer.BYTES).build();

  final Server server;
  final IstioMesh istio;
  final ManagedChannel channel;

  /** Starts it; {@code retries} is the route's VirtualService {@code retries} as a YAML flow mapping. */
  FlakyUploadMesh(ServerCallHandler<byte[], byte[]> handler, String retries) throws Exception {
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).maxInboundMessageSize(8 << 20)
        .fallbackHandlerRegistry(new HandlerRegistry() {
          @Override
          public ServerMethodDefinition<?, ?> lookupMethod(String method, String authority) {
            return ServerMethodDefinition.create(UPLOAD, handler);
          }
        }).build().start();
    istio = new IstioMesh(IstioMesh.service("flaky", 50051, "GRPC", Map.of("v1", server.getPort())) + """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: flaky, namespace: default}
        spec:
          hosts: [flaky.default.svc.cluster.local]
          http:
          - route: [{destination: {host: flaky.default.svc.cluster.local}}]
            retries: %s
        """.formatted(retries));
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", istio.proxy().outboundPort()).usePlaintext()
        .overrideAuthority(AUTHORITY).proxyDetector(a -> null).build();
  }

  @Override
  public void close() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    istio.close();
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}
