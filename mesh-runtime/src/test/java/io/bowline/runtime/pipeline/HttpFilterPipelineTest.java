package io.bowline.runtime.pipeline;

import static io.bowline.runtime.testing.EnvoyResources.clusterName;
import static io.bowline.runtime.testing.EnvoyResources.edsCluster;
import static io.bowline.runtime.testing.EnvoyResources.endpoints;
import static io.bowline.runtime.testing.EnvoyResources.headerExact;
import static io.bowline.runtime.testing.EnvoyResources.listener;
import static io.bowline.runtime.testing.EnvoyResources.routes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bowline.runtime.adapter.okhttp.BowlineOkHttp;
import io.bowline.runtime.adapter.grpc.BowlineGrpc;
import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import io.bowline.api.MeshClient;
import io.bowline.api.filter.Exchange;
import io.bowline.api.filter.ExchangeResponse;
import io.bowline.api.filter.HttpFilter;
import io.bowline.api.filter.UpstreamAttempt;
import io.bowline.runtime.testing.NamedGrpcServer;
import io.bowline.runtime.testing.ScriptedGrpcServer;
import io.bowline.runtime.testing.ScriptedHttpServer;
import io.bowline.runtime.testing.XdsTestServer;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A user filter registered on the builder runs in the one exchange pipeline of both adapters,
 * against real loopback servers over a real ADS stream: it edits every request, sees each upstream
 * attempt (once per attempt on retries), and sees every completion with its status, response flags
 * and timing, local replies included (fault abort {@code FI}, {@code UO}, {@code UH}, {@code NR}).
 */
class HttpFilterPipelineTest {
  private static final String HTTP_FQDN = "reviews.default.svc.cluster.local";
  private static final String GRPC_FQDN = "echo.default.svc.cluster.local";
  private static final String HTTP_V1 = clusterName(9080, "v1", HTTP_FQDN);
  private static final String GRPC_V1 = clusterName(9090, "v1", GRPC_FQDN);
  private static final String FULL = clusterName(9080, "full", HTTP_FQDN);
  private static final String EMPTY = clusterName(9080, "empty", HTTP_FQDN);
  private static final String ONE = clusterName(9090, "one", GRPC_FQDN); // the gRPC server, one request at a time
  private static final MethodDescriptor<byte[], byte[]> UNARY = MethodDescriptor.<byte[], byte[]>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName("test.Echo/Unary")
      .setRequestMarshaller(NamedGrpcServer.BYTES).setResponseMarshaller(NamedGrpcServer.BYTES).build();

  private XdsTestServer xds;
  private ScriptedHttpServer http;
  private ScriptedGrpcServer grpc;
  private MeshClient mesh;
  private final Recorder recorder = new Recorder();

  /** Adds {@code x-filter: seen} to every request and writes down attempts and completions. */
  static final class Recorder implements HttpFilter {
    final List<String> requests = new CopyOnWriteArrayList<>();
    final List<String> attempts = new CopyOnWriteArrayList<>();
    final List<String> completions = new CopyOnWriteArrayList<>();

    @Override
    public CompletionStage<ExchangeResponse> filter(Exchange exchange, Next next) {
      requests.add(exchange.protocol() + " " + exchange.header("x-case") + " " + exchange.listenerName());
      exchange.setHeader("x-filter", "seen");
      exchange.onAttempt((UpstreamAttempt a) -> attempts.add(exchange.protocol() + " " + a.number() + " " + a.status()));
      exchange.onComplete(e -> completions.add(e.protocol() + " " + e.status() + " [" + e.responseFlags() + "] "
          + (e.localResponse() ? "local" : "upstream") + " attempts=" + e.attempts()
          + (e.durationNanos() > 0 && e.durationNanos() >= e.responseHeadersNanos() ? " timed" : " untimed")));
      return next.proceed(exchange);
    }
  }

  @BeforeEach
  void setUp() throws Exception {
    xds = new XdsTestServer();
    http = new ScriptedHttpServer("a");
    grpc = new ScriptedGrpcServer("g");
    publish();
    mesh = MeshClient.builder().workload("client", "default").xdsServer(xds.address()).filter(recorder).build();
    mesh.awaitReady(Duration.ofSeconds(30));
  }

  @AfterEach
  void tearDown() throws Exception {
    mesh.close();
    grpc.close();
    http.close();
    xds.close();
  }

  private static com.google.protobuf.Duration ms(long millis) {
    return com.google.protobuf.Duration.newBuilder().setNanos((int) millis * 1_000_000).build();
  }

  /** Per service, routes chosen by header {@code x-case}: retry, abort, full, empty, one; anything else matches nothing. */
  private static RouteConfiguration cases(String fqdn, int port, String cluster) {
    Route retry = Route.newBuilder().setMatch(headerExact("x-case", "retry")).setRoute(RouteAction.newBuilder()
        .setCluster(cluster).setRetryPolicy(RetryPolicy.newBuilder().setRetryOn("5xx").setNumRetries(UInt32Value.of(2))
            .setRetryBackOff(RetryPolicy.RetryBackOff.newBuilder().setBaseInterval(ms(1)).setMaxInterval(ms(2))))).build();
    Route abort = Route.newBuilder().setMatch(headerExact("x-case", "abort")).setRoute(RouteAction.newBuilder()
        .setCluster(cluster)).putTypedPerFilterConfig("envoy.filters.http.fault", Any.pack(HTTPFault.newBuilder()
            .setAbort(FaultAbort.newBuilder().setHttpStatus(503).setPercentage(FractionalPercent.newBuilder()
                .setNumerator(100))).build())).build();
    Route full = Route.newBuilder().setMatch(headerExact("x-case", "full")).setRoute(RouteAction.newBuilder().setCluster(FULL)).build();
    Route empty = Route.newBuilder().setMatch(headerExact("x-case", "empty")).setRoute(RouteAction.newBuilder().setCluster(EMPTY)).build();
    Route one = Route.newBuilder().setMatch(headerExact("x-case", "one")).setRoute(RouteAction.newBuilder().setCluster(ONE)).build();
    return routes(fqdn, port, retry, abort, full, empty, one);
  }

  private void publish() {
    Cluster full = edsCluster(FULL, Cluster.LbPolicy.ROUND_ROBIN).toBuilder().setCircuitBreakers(CircuitBreakers.newBuilder()
        .addThresholds(CircuitBreakers.Thresholds.newBuilder().setMaxRequests(UInt32Value.of(0)))).build();
    Cluster one = edsCluster(ONE, Cluster.LbPolicy.ROUND_ROBIN).toBuilder().setCircuitBreakers(CircuitBreakers.newBuilder()
        .addThresholds(CircuitBreakers.Thresholds.newBuilder().setMaxRequests(UInt32Value.of(1)))).build();
    xds.set(Snapshot.create(
        List.of(edsCluster(HTTP_V1, Cluster.LbPolicy.ROUND_ROBIN), edsCluster(GRPC_V1, Cluster.LbPolicy.ROUND_ROBIN),
            full, edsCluster(EMPTY, Cluster.LbPolicy.ROUND_ROBIN), one),
        List.of(endpoints(HTTP_V1, http.port()), endpoints(GRPC_V1, grpc.port()), endpoints(FULL, http.port()),
            endpoints(EMPTY), endpoints(ONE, grpc.port())),
        List.of(listener(HTTP_FQDN, 9080), listener(GRPC_FQDN, 9090)),
        List.of(cases(HTTP_FQDN, 9080, HTTP_V1), cases(GRPC_FQDN, 9090, GRPC_V1)), List.of(), "1"));
  }

  private String okHttp(OkHttpClient client, String xCase) throws Exception {
    try (Response r = client.newCall(new Request.Builder().url("http://reviews:9080/r").header("x-case", xCase).build())
        .execute()) {
      return r.code() + " " + r.body().string();
    }
  }

  private String grpcCall(String xCase) {
    Metadata h = new Metadata();
    h.put(Metadata.Key.of("x-case", Metadata.ASCII_STRING_MARSHALLER), xCase);
    Channel ch = ClientInterceptors.intercept(BowlineGrpc.channel(mesh, "echo:9090"), MetadataUtils.newAttachHeadersInterceptor(h));
    try {
      return "OK " + new String(ClientCalls.blockingUnaryCall(ch, UNARY, CallOptions.DEFAULT, new byte[] {1}));
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode().toString();
    }
  }

  @Test
  void okHttpFilterEditsEveryAttemptAndSeesEachAttemptAndTheCompletion() throws Exception {
    OkHttpClient client = BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
    http.then(ScriptedHttpServer.status(503));
    assertThat(okHttp(client, "retry")).isEqualTo("200 a");
    assertThat(http.requests()).extracting(m -> m.get("x-filter")).containsExactly("seen", "seen");
    assertThat(recorder.requests).containsExactly("http retry reviews.default.svc.cluster.local:9080");
    assertThat(recorder.attempts).containsExactly("http 1 503", "http 2 200");
    assertThat(recorder.completions).containsExactly("http 200 [] upstream attempts=2 timed");
  }

  @Test
  void okHttpFilterSeesLocalRepliesComplete() throws Exception {
    OkHttpClient client = BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
    assertThat(okHttp(client, "abort")).startsWith("503");
    assertThat(okHttp(client, "full")).startsWith("503");
    assertThat(okHttp(client, "empty")).startsWith("503");
    assertThat(okHttp(client, "none")).startsWith("404");
    assertThat(http.requestCount()).isZero();
    assertThat(recorder.attempts).isEmpty();
    assertThat(recorder.completions).containsExactly(
        "http 503 [FI] local attempts=0 timed",
        "http 503 [UO] local attempts=0 timed",
        "http 503 [UH] local attempts=0 timed",
        "http 404 [NR] local attempts=0 timed");
  }

  @Test
  void grpcFilterEditsEveryAttemptAndSeesEachAttemptAndTheCompletion() {
    grpc.then(ScriptedGrpcServer.Action.fail(io.grpc.Status.Code.UNAVAILABLE));
    assertThat(grpcCall("retry")).isEqualTo("OK g");
    assertThat(grpc.header("x-filter")).containsExactly("seen", "seen");
    assertThat(recorder.requests).containsExactly("grpc retry echo.default.svc.cluster.local:9090");
    assertThat(recorder.attempts).containsExactly("grpc 1 503", "grpc 2 200");
    await().atMost(Duration.ofSeconds(5)).until(() -> recorder.completions.size() == 1);
    assertThat(recorder.completions).containsExactly("grpc 200 [] upstream attempts=2 timed");
  }

  @Test
  void grpcFilterSeesLocalRepliesComplete() {
    assertThat(grpcCall("abort")).isEqualTo("UNAVAILABLE");
    assertThat(grpcCall("full")).isEqualTo("UNAVAILABLE");
    assertThat(grpcCall("empty")).isEqualTo("UNAVAILABLE");
    assertThat(grpcCall("none")).isEqualTo("UNAVAILABLE");
    assertThat(grpc.calls()).isZero();
    assertThat(recorder.attempts).isEmpty();
    assertThat(recorder.completions).containsExactly(
        "grpc 503 [FI] local attempts=0 timed",
        "grpc 503 [UO] local attempts=0 timed",
        "grpc 503 [UH] local attempts=0 timed",
        "grpc 404 [NR] local attempts=0 timed");
  }

  @Test
  void aFilterMayContinueFromAThreadOfItsOwnOnBothAdapters() throws Exception {
    HttpFilter later = (exchange, next) -> java.util.concurrent.CompletableFuture
        .runAsync(() -> { }, java.util.concurrent.CompletableFuture.delayedExecutor(20, java.util.concurrent.TimeUnit.MILLISECONDS))
        .thenCompose(ignored -> {
          exchange.setHeader("x-filter", "later");
          return next.proceed(exchange);
        });
    try (MeshClient async = MeshClient.builder().workload("client", "default").xdsServer(xds.address())
        .filter(later).filter(recorder).build()) {
      async.awaitReady(Duration.ofSeconds(30));
      OkHttpClient client = BowlineOkHttp.install(async, new OkHttpClient.Builder()).build();
      assertThat(okHttp(client, "retry")).isEqualTo("200 a");
      Channel ch = ClientInterceptors.intercept(BowlineGrpc.channel(async, "echo:9090"), MetadataUtils.newAttachHeadersInterceptor(retry()));
      assertThat(new String(ClientCalls.blockingUnaryCall(ch, UNARY, CallOptions.DEFAULT, new byte[] {1}))).isEqualTo("g");
    }
    assertThat(recorder.completions).containsExactly("http 200 [] upstream attempts=1 timed", "grpc 200 [] upstream attempts=1 timed");
  }

  /**
   * A filter that edits the request once the response head is back routes the exchange again (Envoy's
   * {@code clearRouteCache}: {@code clusterName()} follows the edit), while the router keeps the decision it
   * started with: the gRPC stream, which ends after the filters saw its head, leaves the circuit breaker of the
   * cluster it was sent to ({@code max_requests: 1}, so every later call is admitted), not the new decision's.
   */
  @Test
  void theRouterKeepsItsDecisionWhenAFilterRoutesTheExchangeAgainAfterTheResponseHead() throws Exception {
    List<String> clusters = new CopyOnWriteArrayList<>();
    HttpFilter rerouting = (exchange, next) -> next.proceed(exchange).thenApply(r -> {
      clusters.add(exchange.clusterName());
      exchange.setHeader("x-case", "full");
      clusters.add(exchange.clusterName());
      return r;
    });
    Metadata one = new Metadata();
    one.put(Metadata.Key.of("x-case", Metadata.ASCII_STRING_MARSHALLER), "one");
    try (MeshClient m = MeshClient.builder().workload("client", "default").xdsServer(xds.address())
        .filter(rerouting).build()) {
      m.awaitReady(Duration.ofSeconds(30));
      Channel ch = ClientInterceptors.intercept(BowlineGrpc.channel(m, "echo:9090"), MetadataUtils.newAttachHeadersInterceptor(one));
      for (int i = 0; i < 3; i++) {
        assertThat(new String(ClientCalls.blockingUnaryCall(ch, UNARY, CallOptions.DEFAULT, new byte[] {1})))
            .as("call %d is admitted by %s's max_requests: 1", i + 1, ONE).isEqualTo("g");
      }
    }
    assertThat(clusters).containsExactly(ONE, FULL, ONE, FULL, ONE, FULL);
    assertThat(grpc.calls()).isEqualTo(3);
  }

  /** A filter named {@code name} that ends every exchange with {@code outcome} instead of proceeding. */
  private static HttpFilter ending(String name, java.util.function.Function<Exchange, CompletionStage<ExchangeResponse>> outcome) {
    return new HttpFilter() {
      @Override
      public CompletionStage<ExchangeResponse> filter(Exchange exchange, Next next) {
        return outcome.apply(exchange);
      }

      @Override
      public String name() {
        return name;
      }
    };
  }

  /** An OkHttp call and a gRPC call through a client whose first filter is {@code first}, the recorder second. */
  private List<String> bothAdaptersWithFirst(HttpFilter first) throws Exception {
    try (MeshClient m = MeshClient.builder().workload("client", "default").xdsServer(xds.address())
        .filter(recorder).filter(first).build()) {
      m.awaitReady(Duration.ofSeconds(30));
      String viaOkHttp = okHttp(BowlineOkHttp.install(m, new OkHttpClient.Builder()).build(), "retry");
      Channel ch = ClientInterceptors.intercept(BowlineGrpc.channel(m, "echo:9090"), MetadataUtils.newAttachHeadersInterceptor(retry()));
      String viaGrpc;
      try {
        viaGrpc = "OK " + new String(ClientCalls.blockingUnaryCall(ch, UNARY, CallOptions.DEFAULT, new byte[] {1}));
      } catch (StatusRuntimeException e) {
        viaGrpc = e.getStatus().getCode() + " " + e.getStatus().getDescription();
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> recorder.completions.size() == 2);
      assertThat(http.requestCount()).as("the upstream is never reached").isZero();
      assertThat(grpc.calls()).isZero();
      assertThat(recorder.attempts).isEmpty();
      return List.of(viaOkHttp, viaGrpc);
    }
  }

  @Test
  void aFilterThatAnswersLocallyEndsTheExchangeWithItsReplyOnBothAdapters() throws Exception {
    assertThat(bothAdaptersWithFirst(ending("example.deny", e -> e.localReply(403, "denied by example.deny"))))
        .containsExactly("403 denied by example.deny",
            "PERMISSION_DENIED mesh local reply: HTTP 403: denied by example.deny");
    assertThat(recorder.completions).containsExactly(
        "http 403 [] local attempts=0 timed", "grpc 403 [] local attempts=0 timed");
  }

  @Test
  void aFilterThatThrowsEndsTheExchangeWithALocal500NamingTheFilterOnBothAdapters() throws Exception {
    List<String> answers = bothAdaptersWithFirst(ending("example.throws", e -> {
      throw new IllegalStateException("boom");
    }));
    assertThat(answers.get(0)).startsWith("500 mesh filter example.throws failed").contains("boom");
    assertThat(answers.get(1)).startsWith("UNKNOWN mesh local reply: HTTP 500: mesh filter example.throws failed")
        .contains("boom");
    assertThat(recorder.completions).containsExactly(
        "http 500 [] local attempts=0 timed", "grpc 500 [] local attempts=0 timed");
  }

  @Test
  void aFilterWhoseStageFailsEndsTheExchangeWithALocal500NamingTheFilterOnBothAdapters() throws Exception {
    List<String> answers = bothAdaptersWithFirst(ending("example.fails",
        e -> java.util.concurrent.CompletableFuture.failedFuture(new IllegalStateException("boom"))));
    assertThat(answers.get(0)).startsWith("500 mesh filter example.fails failed").contains("boom");
    assertThat(answers.get(1)).startsWith("UNKNOWN mesh local reply: HTTP 500: mesh filter example.fails failed")
        .contains("boom");
    assertThat(recorder.completions).containsExactly(
        "http 500 [] local attempts=0 timed", "grpc 500 [] local attempts=0 timed");
  }

  private static Metadata retry() {
    Metadata h = new Metadata();
    h.put(Metadata.Key.of("x-case", Metadata.ASCII_STRING_MARSHALLER), "retry");
    return h;
  }
}
