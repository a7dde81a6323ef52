package io.bowline.benchmarks;

import io.bowline.runtime.adapter.grpc.BowlineGrpc;
import io.bowline.runtime.adapter.okhttp.BowlineOkHttp;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * The P1 clients against one {@link EndToEndFixture}, by name: OkHttp 1 KB GETs and gRPC unary
 * health checks, direct, through the mesh, and (gRPC) through grpc-java's own xDS client. One more
 * OkHttp client is direct with its read and write timeouts off: okio enforces those with a watchdog
 * thread woken on nearly every socket operation, which the mesh avoids on HTTP/1.1 (it enforces the
 * client's timeouts with its own deadline watchdog), so comparing the mesh with that client shows the
 * mesh's own work without its saving on timeouts. The "mesh" clients have the telemetry every mesh client has
 * (Istio's metrics into a {@code SimpleMeterRegistry}, the no-op OpenTelemetry API, no access log); the
 * "mesh+telemetry" clients have all of it on ({@link TelemetryOnMesh}: Prometheus registry, an OTel SDK sampling
 * 1 %, a file access log). Each adapter's second direct client ("direct A/A", a client of its own) is the same as
 * the first: what it reads over the first is the run's own noise floor, which a fair rotation keeps at 0 within its
 * interval.
 */
final class P1Clients implements AutoCloseable {
  static final String OKHTTP_DIRECT = "OkHttp 1 KB GET, direct";
  /** A second direct client, its own OkHttp client: the table's A/A row, the run's own noise floor (≈ 0 if fair). */
  static final String OKHTTP_DIRECT_AA = "OkHttp 1 KB GET, direct A/A";
  static final String OKHTTP_UNTIMED = "OkHttp 1 KB GET, no timeouts";
  static final String OKHTTP_MESH = "OkHttp 1 KB GET, mesh";
  static final String OKHTTP_TELEMETRY = "OkHttp 1 KB GET, mesh+telemetry";
  static final String GRPC_DIRECT = "gRPC unary, direct";
  /** A second direct client, its own channel: the table's A/A row for gRPC. */
  static final String GRPC_DIRECT_AA = "gRPC unary, direct A/A";
  static final String GRPC_MESH = "gRPC unary, mesh";
  static final String GRPC_TELEMETRY = "gRPC unary, mesh+telemetry";
  static final String GRPC_XDS = "gRPC unary, grpc-xds";
  /** Every client, in report order (each adapter's direct client first). */
  static final List<String> ALL = List.of(OKHTTP_DIRECT, OKHTTP_DIRECT_AA, OKHTTP_UNTIMED, OKHTTP_MESH, OKHTTP_TELEMETRY,
      GRPC_DIRECT, GRPC_DIRECT_AA, GRPC_MESH, GRPC_TELEMETRY, GRPC_XDS);

  private final Map<String, Callable<Object>> calls = new LinkedHashMap<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<OkHttpClient> okHttpClients = new ArrayList<>();
  private TelemetryOnMesh telemetry;

  /** The clients of {@link #ALL} whose name starts with {@code prefix}, built against {@code fixture}. */
  P1Clients(EndToEndFixture fixture, String prefix) throws Exception {
    Request direct = new Request.Builder().url("http://127.0.0.1:" + fixture.httpPort + "/items/1").build();
    Request meshed = new Request.Builder().url("http://" + EndToEndFixture.HTTP_HOST + "/items/1").build();
    Request telemetryOn = new Request.Builder().url("http://" + EndToEndFixture.HTTP_TELEMETRY_HOST + "/items/1").build();
    for (String name : ALL) {
      if (!name.startsWith(prefix)) {
        continue;
      }
      switch (name) {
        case OKHTTP_DIRECT, OKHTTP_DIRECT_AA -> calls.put(name, get(okHttp(new OkHttpClient.Builder()), direct));
        case OKHTTP_UNTIMED -> calls.put(name, get(okHttp(new OkHttpClient.Builder()
            .readTimeout(Duration.ZERO).writeTimeout(Duration.ZERO)), direct));
        case OKHTTP_MESH -> calls.put(name, get(okHttp(BowlineOkHttp.install(fixture.mesh, new OkHttpClient.Builder())), meshed));
        case GRPC_DIRECT, GRPC_DIRECT_AA -> calls.put(name, check(HealthGrpc.newBlockingStub(channel(
            NettyChannelBuilder.forAddress("127.0.0.1", fixture.grpc.getPort()).usePlaintext().build()))));
        case GRPC_MESH -> calls.put(name, check(HealthGrpc.newBlockingStub(channel(
            BowlineGrpc.channel(fixture.mesh, EndToEndFixture.GRPC_HOST + ":80")))));
        case OKHTTP_TELEMETRY -> calls.put(name, get(okHttp(BowlineOkHttp.install(telemetry(fixture).mesh,
            new OkHttpClient.Builder())), telemetryOn));
        case GRPC_TELEMETRY -> calls.put(name, check(HealthGrpc.newBlockingStub(channel(
            BowlineGrpc.channel(telemetry(fixture).mesh, EndToEndFixture.GRPC_TELEMETRY_HOST + ":80")))));
        case GRPC_XDS -> calls.put(name, check(HealthGrpc.newBlockingStub(channel(fixture.grpcXdsChannel()))));
        default -> throw new IllegalStateException(name);
      }
    }
  }

  private TelemetryOnMesh telemetry(EndToEndFixture fixture) throws Exception {
    if (telemetry == null) {
      telemetry = new TelemetryOnMesh(fixture);
    }
    return telemetry;
  }

  /** What the telemetry-on client's telemetry produced ({@link TelemetryOnMesh#summary()}), or {@code ""}. */
  String telemetrySummary() throws java.io.IOException {
    return telemetry == null ? "" : telemetry.summary();
  }

  /** The clients, by name, in report order. */
  Map<String, Callable<Object>> calls() {
    return calls;
  }

  private OkHttpClient okHttp(OkHttpClient.Builder builder) {
    OkHttpClient client = builder.build();
    okHttpClients.add(client);
    return client;
  }

  private ManagedChannel channel(ManagedChannel channel) {
    channels.add(channel);
    return channel;
  }

  static Callable<Object> get(OkHttpClient client, Request request) {
    return () -> {
      try (Response r = client.newCall(request).execute()) {
        return r.body().bytes().length;
      }
    };
  }

  static Callable<Object> check(HealthGrpc.HealthBlockingStub stub) {
    return () -> stub.check(HealthCheckRequest.getDefaultInstance());
  }

  @Override
  public void close() {
    channels.forEach(ManagedChannel::shutdownNow);
    okHttpClients.forEach(c -> c.connectionPool().evictAll());
    if (telemetry != null) {
      telemetry.close();
    }
  }
}
