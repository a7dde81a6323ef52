package io.bowline.proxy.http2;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.bowline.proxy.IstioMesh;
import io.bowline.runtime.testing.NamedGrpcServer;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * gRPC through the outbound listener: a client speaking h2c with prior knowledge (grpc-java, and
 * Debian's python3-grpcio) with the service as {@code :authority}, routed by an Istio
 * VirtualService served by the local control plane (weights, a header match, a fault abort with a
 * gRPC status) to grpc-java servers over h2c; response headers and trailers (the status) come
 * back, local replies are gRPC statuses, and streams stream.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GrpcThroughProxyTest {
  private static final String AUTHORITY = "echo.default.svc.cluster.local:50051";
  private static final Metadata.Key<String> BACKEND = Metadata.Key.of("x-backend", Metadata.ASCII_STRING_MARSHALLER);
  private static final Metadata.Key<String> FLAGS =
      Metadata.Key.of("x-bowline-response-flags", Metadata.ASCII_STRING_MARSHALLER);
  private static final MethodDescriptor<byte[], byte[]> SAY = method("echo.Echo/Say", MethodDescriptor.MethodType.UNARY);
  private static final MethodDescriptor<byte[], byte[]> CHAT =
      method("echo.Echo/Chat", MethodDescriptor.MethodType.BIDI_STREAMING);
  private static final int CALLS = 400;

  private NamedGrpcServer v1;
  private NamedGrpcServer v2;
  private IstioMesh istio;
  private ManagedChannel channel;

  @BeforeAll
  void start() throws Exception {
    v1 = new NamedGrpcServer("v1");
    v2 = new NamedGrpcServer("v2");
    istio = new IstioMesh(IstioMesh.service("echo", 50051, "GRPC", Map.of("v1", v1.port(), "v2", v2.port())) + """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: echo, namespace: default}
        spec:
          host: echo.default.svc.cluster.local
          subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: echo, namespace: default}
        spec:
          hosts: [echo.default.svc.cluster.local]
          http:
          - match: [{headers: {x-fault: {exact: abort}}}]
            fault: {abort: {grpcStatus: RESOURCE_EXHAUSTED, percentage: {value: 100}}}
            route: [{destination: {host: echo.default.svc.cluster.local, subset: v1}}]
          - match: [{headers: {x-variant: {exact: v2}}}]
            route: [{destination: {host: echo.default.svc.cluster.local, subset: v2}}]
          - route:
            - {destination: {host: echo.default.svc.cluster.local, subset: v1}, weight: 20}
            - {destination: {host: echo.default.svc.cluster.local, subset: v2}, weight: 80}
        """);
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", istio.proxy().outboundPort()).usePlaintext()
        .overrideAuthority(AUTHORITY).proxyDetector(a -> null).build();
  }

  @AfterAll
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    istio.close();
    v1.close();
    v2.close();
  }

  private static MethodDescriptor<byte[], byte[]> method(String name, MethodDescriptor.MethodType type) {
    return MethodDescriptor.<byte[], byte[]>newBuilder().setType(type).setFullMethodName(name)
        .setRequestMarshaller(NamedGrpcServer.BYTES).setResponseMarshaller(NamedGrpcServer.BYTES).build();
  }

  /** One unary call: the backend that answered. */
  private String say() {
    byte[] r = ClientCalls.blockingUnaryCall(channel, SAY, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
        "hi".getBytes(StandardCharsets.UTF_8));
    return new String(r, StandardCharsets.UTF_8);
  }

  private String sayWith(Metadata headers, AtomicReference<Metadata> responseHeaders, AtomicReference<Metadata> trailers) {
    io.grpc.Channel c = io.grpc.ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers),
        MetadataUtils.newCaptureMetadataInterceptor(responseHeaders, trailers));
    byte[] r = ClientCalls.blockingUnaryCall(c, SAY, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
        "hi".getBytes(StandardCharsets.UTF_8));
    return new String(r, StandardCharsets.UTF_8);
  }

  private static Metadata header(String name, String value) {
    Metadata h = new Metadata();
    h.put(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER), value);
    return h;
  }

  @Test
  void unaryCallsAreSplitByTheVirtualServiceWeightsWithin4Point5Sigma() {
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < CALLS; i++) {
      seen.merge(say(), 1, Integer::sum);
    }
    IstioMesh.assertSplit(seen, "v1", "v2", 0.2);
  }

  @Test
  void aHeaderMatchRoutesToItsSubsetAndTheUpstreamSeesTheServiceAuthority() {
    AtomicReference<Metadata> head = new AtomicReference<>();
    AtomicReference<Metadata> trailers = new AtomicReference<>();
    for (int i = 0; i < 20; i++) {
      assertThat(sayWith(header("x-variant", "v2"), head, trailers)).isEqualTo("v2");
    }
    assertThat(head.get().get(BACKEND)).isEqualTo("v2");
    assertThat(head.get().get(Metadata.Key.of("x-seen-authority", Metadata.ASCII_STRING_MARSHALLER))).isEqualTo(AUTHORITY);
    assertThat(head.get().get(Metadata.Key.of("x-seen-x-variant", Metadata.ASCII_STRING_MARSHALLER))).isEqualTo("v2");
  }

  @Test
  void aFaultAbortIsAnsweredWithItsGrpcStatusAndFlagFI() {
    AtomicReference<Metadata> head = new AtomicReference<>();
    AtomicReference<Metadata> trailers = new AtomicReference<>();
    assertThatThrownBy(() -> sayWith(header("x-fault", "abort"), head, trailers))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
    assertThat(trailers.get().get(FLAGS)).isEqualTo("FI");
  }

  @Test
  void anUpstreamErrorStatusComesBackInTheTrailers() {
    // grpc.health.v1.Health/Check for an unknown service: NOT_FOUND, sent by the server in its trailers
    MethodDescriptor<byte[], byte[]> check = method("grpc.health.v1.Health/Check", MethodDescriptor.MethodType.UNARY);
    byte[] request = {0x0a, 0x04, 'n', 'o', 'p', 'e'}; // HealthCheckRequest{service: "nope"}
    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(channel, check,
        CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), request))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
  }

  @Test
  void aBidiStreamExchangesMessagesBeforeEitherSideEnds() throws Exception {
    // the server answers each message at once: the client sends the next only after the answer
    ClientCall<byte[], byte[]> call = channel.newCall(CHAT, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS));
    BlockingQueue<Object> received = new LinkedBlockingQueue<>();
    call.start(new ClientCall.Listener<>() {
      @Override
      public void onMessage(byte[] message) {
        received.add(new String(message, StandardCharsets.UTF_8));
        call.request(1);
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        received.add(status);
      }
    }, header("x-variant", "v2"));
    call.request(1);
    for (int i = 0; i < 3; i++) {
      call.sendMessage(("m" + i).getBytes(StandardCharsets.UTF_8));
      assertThat(received.poll(10, TimeUnit.SECONDS)).as("answer to message %s", i).isEqualTo("v2");
    }
    call.halfClose();
    Object end = received.poll(10, TimeUnit.SECONDS);
    assertThat(end).isInstanceOf(Status.class);
    assertThat(((Status) end).getCode()).isEqualTo(Status.Code.OK);
  }

  @Test
  void pythonGrpcioFromDebianIsRoutedTheSameWay() throws Exception {
    Path python = Path.of("/usr/bin/python3");
    assumeTrue(Files.isExecutable(python), "Debian's /usr/bin/python3 is not installed");
    ProcessBuilder check = new ProcessBuilder(python.toString(), "-c", "import grpc");
    assumeTrue(check.start().waitFor() == 0, "python3-grpcio is not installed (apt-get install python3-grpcio)");
    Path script = Files.createTempFile("grpc-client", ".py");
    Files.writeString(script, """
        import sys, grpc
        port, authority = sys.argv[1], sys.argv[2]
        channel = grpc.insecure_channel('127.0.0.1:' + port,
            options=[('grpc.default_authority', authority), ('grpc.enable_http_proxy', 0)])
        say = channel.unary_unary('/echo.Echo/Say')
        for header in sys.argv[3:]:
            name, value = header.split('=', 1)
            try:
                reply = say(b'hi', metadata=[(name, value)], timeout=10)
                print('OK', reply.decode())
            except grpc.RpcError as e:
                print(e.code().name, dict(e.trailing_metadata() or ()).get('x-bowline-response-flags', ''))
        """);
    Process p = new ProcessBuilder(python.toString(), script.toString(), Integer.toString(istio.proxy().outboundPort()),
        AUTHORITY, "x-variant=v2", "x-fault=abort").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    Iterator<String> lines = List.of(out.strip().split("\n")).iterator();
    assertThat(lines.next()).isEqualTo("OK v2");
    assertThat(lines.next()).isEqualTo("RESOURCE_EXHAUSTED FI");
  }
}
