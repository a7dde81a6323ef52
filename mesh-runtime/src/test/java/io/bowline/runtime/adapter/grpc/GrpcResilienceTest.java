package io.bowline.runtime.adapter.grpc;

import static io.bowline.runtime.testing.EnvoyResources.clusterName;
import static io.bowline.runtime.testing.EnvoyResources.edsCluster;
import static io.bowline.runtime.testing.EnvoyResources.endpoints;
import static io.bowline.runtime.testing.EnvoyResources.listener;
import static io.bowline.runtime.testing.EnvoyResources.prefix;
import static io.bowline.runtime.testing.EnvoyResources.routes;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import io.bowline.api.MeshClient;
import io.bowline.runtime.adapter.grpc.BowlineGrpc;
import io.bowline.runtime.testing.NamedGrpcServer;
import io.bowline.runtime.testing.ScriptedGrpcServer;
import io.bowline.runtime.testing.ScriptedGrpcServer.Action;
import io.bowline.runtime.testing.XdsTestServer;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultDelay;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Resilience on the gRPC adapter (spec §3 A31, §4 with A44, §5 A33, §8 A32) against real
 * grpc-java servers over a real ADS stream.
 */
class GrpcResilienceTest {
  private static final String FQDN = "echo.default.svc.cluster.local";
  private static final String V1 = clusterName(9090, "v1", FQDN);
  private static final Metadata.Key<String> FLAGS = Metadata.Key.of("x-bowline-response-flags", Metadata.ASCII_STRING_MARSHALLER);
  private static final MethodDescriptor<byte[], byte[]> UNARY = method(MethodDescriptor.MethodType.UNARY);
  private static final MethodDescriptor<byte[], byte[]> STREAM = method(MethodDescriptor.MethodType.SERVER_STREAMING);

  private XdsTestServer xds;
  private ScriptedGrpcServer a;
  private ScriptedGrpcServer b;
  private MeshClient mesh;

  private static MethodDescriptor<byte[], byte[]> method(MethodDescriptor.MethodType type) {
    return MethodDescriptor.<byte[], byte[]>newBuilder().setType(type).setFullMethodName("test.Echo/" + type)
        .setRequestMarshaller(NamedGrpcServer.BYTES).setResponseMarshaller(NamedGrpcServer.BYTES).build();
  }

  @BeforeEach
  void setUp() throws Exception {
    xds = new XdsTestServer();
    a = new ScriptedGrpcServer("a");
    b = new ScriptedGrpcServer("b");
  }

  @AfterEach
  void tearDown() throws Exception {
    if (mesh != null) {
      mesh.close();
    }
    a.close();
    b.close();
    xds.close();
  }

  private void start(RouteAction.Builder action, Cluster cluster, int... ports) throws Exception {
    start(Route.newBuilder().setMatch(prefix("/")).setRoute(action.setCluster(V1)).build(), cluster, ports);
  }

  private void start(Route route, Cluster cluster, int... ports) throws Exception {
    publish(route, cluster, "1", ports);
    mesh = MeshClient.builder().workload("client", "default").xdsServer(xds.address()).build();
    mesh.awaitReady(Duration.ofSeconds(30));
  }

  private void publish(Route route, Cluster cluster, String version, int... ports) {
    RouteConfiguration rc = routes(FQDN, 9090, route);
    rc = rc.toBuilder().setVirtualHosts(0, rc.getVirtualHosts(0).toBuilder().setIncludeRequestAttemptCount(true)).build();
    xds.set(Snapshot.create(List.of(cluster), List.of(endpoints(V1, ports)), List.of(listener(FQDN, 9090)),
        List.of(rc), List.of(), version));
  }

  private static Cluster cluster() {
    return edsCluster(V1, Cluster.LbPolicy.ROUND_ROBIN);
  }

  private static com.google.protobuf.Duration ms(long millis) {
    return com.google.protobuf.Duration.newBuilder().setSeconds(millis / 1000).setNanos((int) (millis % 1000) * 1_000_000).build();
  }

  private static RetryPolicy.Builder retry(String on, int n) {
    return RetryPolicy.newBuilder().setRetryOn(on).setNumRetries(UInt32Value.of(n))
        .setRetryBackOff(RetryPolicy.RetryBackOff.newBuilder().setBaseInterval(ms(1)).setMaxInterval(ms(2)));
  }

  private static Route faulty(HTTPFault fault) {
    return Route.newBuilder().setMatch(prefix("/")).setRoute(RouteAction.newBuilder().setCluster(V1))
        .putTypedPerFilterConfig("envoy.filters.http.fault", Any.pack(fault)).build();
  }

  private static FractionalPercent all() {
    return FractionalPercent.newBuilder().setNumerator(100).build();
  }

  /** One unary call: "OK a" / "UNAVAILABLE" plus " [flags]" when the trailers carry any. */
  private String call(CallOptions options) {
    AtomicReference<Metadata> trailers = new AtomicReference<>();
    Channel ch = ClientInterceptors.intercept(BowlineGrpc.channel(mesh, "echo:9090"),
        MetadataUtils.newCaptureMetadataInterceptor(new AtomicReference<>(), trailers));
    String result;
    Metadata t;
    try {
      result = "OK " + new String(ClientCalls.blockingUnaryCall(ch, UNARY, options, new byte[] {1}), StandardCharsets.UTF_8);
      t = trailers.get();
    } catch (StatusRuntimeException e) {
      result = e.getStatus().getCode().toString();
      t = e.getTrailers();
    }
    String flags = t == null ? null : t.get(FLAGS);
    return flags == null ? result : result + " [" + flags + "]";
  }

  private Channel channel() {
    return BowlineGrpc.channel(mesh, "echo:9090");
  }

  private String call() {
    return call(CallOptions.DEFAULT);
  }

  @Test
  void faultAbortAnswersBeforeAnyTrafficWithTheGrpcStatusOrTheMappedHttpStatus() throws Exception {
    start(faulty(HTTPFault.newBuilder().setAbort(FaultAbort.newBuilder().setGrpcStatus(8).setPercentage(all())).build()),
        cluster(), a.port());
    assertThat(call()).isEqualTo("RESOURCE_EXHAUSTED [FI]");
    assertThat(a.calls()).isZero();
    publish(faulty(HTTPFault.newBuilder().setAbort(FaultAbort.newBuilder().setHttpStatus(503).setPercentage(all())).build()),
        cluster(), "2", a.port());
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> call().equals("UNAVAILABLE [FI]"));
    assertThat(a.calls()).isZero();
  }

  @Test
  void faultDelayHoldsTheCallWithoutAThreadThenForwardsItWithDi() throws Exception {
    start(faulty(HTTPFault.newBuilder().setDelay(FaultDelay.newBuilder().setFixedDelay(ms(300)).setPercentage(all())).build()),
        cluster(), a.port());
    long t0 = System.nanoTime();
    assertThat(call()).isEqualTo("OK a [DI]");
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isGreaterThanOrEqualTo(300);
    assertThat(a.calls()).isEqualTo(1);
  }

  @Test
  void cancellingDuringAFaultDelayClosesTheCallAtOnce() throws Exception {
    start(faulty(HTTPFault.newBuilder().setDelay(FaultDelay.newBuilder().setFixedDelay(ms(60_000)).setPercentage(all())).build()),
        cluster(), a.port());
    ClientCall<byte[], byte[]> c = channel().newCall(UNARY, CallOptions.DEFAULT);
    CountDownLatch closed = new CountDownLatch(1);
    AtomicReference<Status> status = new AtomicReference<>();
    c.start(new ClientCall.Listener<>() {
      @Override
      public void onClose(Status s, Metadata trailers) {
        status.set(s);
        closed.countDown();
      }
    }, new Metadata());
    c.request(1);
    c.sendMessage(new byte[] {1});
    c.halfClose();
    c.cancel("enough", null);
    assertThat(closed.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(status.get().getCode()).isEqualTo(Status.Code.CANCELLED);
    assertThat(a.calls()).isZero();
  }

  @Test
  void grpcTimeoutHeaderMaxCapsTheDeadlineWithUt() throws Exception {
    a.otherwise(Action.hanging());
    start(RouteAction.newBuilder().setMaxStreamDuration(
        RouteAction.MaxStreamDuration.newBuilder().setGrpcTimeoutHeaderMax(ms(200))), cluster(), a.port());
    long t0 = System.nanoTime();
    assertThat(call()).isEqualTo("DEADLINE_EXCEEDED [UT]");
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isBetween(150L, 5_000L);
    // a shorter application deadline wins, and is the application's own (no UT)
    assertThat(call(CallOptions.DEFAULT.withDeadlineAfter(50, TimeUnit.MILLISECONDS))).isEqualTo("DEADLINE_EXCEEDED");
  }

  @Test
  void theRouteCapIsEnforcedByTheMeshAndNotSentAsGrpcTimeoutWhileTheApplicationDeadlineIs() throws Exception {
    a.then(Action.ok(1), Action.ok(1)).otherwise(Action.hanging());
    start(RouteAction.newBuilder().setMaxStreamDuration(
        RouteAction.MaxStreamDuration.newBuilder().setMaxStreamDuration(ms(300))), cluster(), a.port());
    assertThat(call()).isEqualTo("OK a");
    assertThat(call(CallOptions.DEFAULT.withDeadlineAfter(100, TimeUnit.MILLISECONDS))).isEqualTo("OK a");
    // as Envoy's router: max_stream_duration does not travel upstream; the application's deadline does
    assertThat(a.deadlines()).containsExactly(false, true);
    long t0 = System.nanoTime();
    assertThat(call()).isEqualTo("DEADLINE_EXCEEDED [UT]");
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isBetween(250L, 5_000L);
  }

  @Test
  void anApplicationDeadlineASecondOrMoreAwayExpiresThroughTheEndpointLoopsWatchdog() throws Exception {
    a.otherwise(Action.hanging());
    start(RouteAction.newBuilder(), cluster(), a.port());
    long t0 = System.nanoTime();
    // grpc-java schedules this call's deadline timer on the endpoint channel's event loops, which
    // hand timers due 1 s or more ahead to the deadline watchdog
    assertThat(call(CallOptions.DEFAULT.withDeadlineAfter(1_200, TimeUnit.MILLISECONDS))).isEqualTo("DEADLINE_EXCEEDED");
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isBetween(1_150L, 6_000L);
    assertThat(a.deadlines()).containsExactly(true);
  }

  @Test
  void theRouteCapEndsAFaultDelay() throws Exception {
    start(faulty(HTTPFault.newBuilder().setDelay(FaultDelay.newBuilder().setFixedDelay(ms(10_000)).setPercentage(all())).build())
        .toBuilder().setRoute(RouteAction.newBuilder().setCluster(V1).setMaxStreamDuration(
            RouteAction.MaxStreamDuration.newBuilder().setMaxStreamDuration(ms(200)))).build(), cluster(), a.port());
    long t0 = System.nanoTime();
    assertThat(call()).isEqualTo("DEADLINE_EXCEEDED [UT]");
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(5_000L);
    assertThat(a.calls()).isZero();
  }

  @Test
  void maxStreamDurationBoundsTheCallAndZeroHeaderMaxMeansTheApplicationDeadlineOnly() throws Exception {
    a.otherwise(Action.hanging());
    start(RouteAction.newBuilder().setMaxStreamDuration(
        RouteAction.MaxStreamDuration.newBuilder().setMaxStreamDuration(ms(150))), cluster(), a.port());
    assertThat(call()).isEqualTo("DEADLINE_EXCEEDED [UT]");
    // grpc_timeout_header_max 0 replaces max_stream_duration: only the application deadline applies
    publish(Route.newBuilder().setMatch(prefix("/")).setRoute(RouteAction.newBuilder().setCluster(V1).setMaxStreamDuration(
        RouteAction.MaxStreamDuration.newBuilder().setMaxStreamDuration(ms(150)).setGrpcTimeoutHeaderMax(ms(0)))).build(),
        cluster(), "2", a.port());
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(
        () -> call(CallOptions.DEFAULT.withDeadlineAfter(400, TimeUnit.MILLISECONDS)).equals("DEADLINE_EXCEEDED"));
    long t0 = System.nanoTime();
    assertThat(call(CallOptions.DEFAULT.withDeadlineAfter(400, TimeUnit.MILLISECONDS))).isEqualTo("DEADLINE_EXCEEDED");
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isGreaterThanOrEqualTo(350);
  }

  @Test
  void unaryCallIsRetriedOnGrpcStatusesWithAttemptCount() throws Exception {
    a.then(Action.fail(Status.Code.UNAVAILABLE), Action.fail(Status.Code.RESOURCE_EXHAUSTED)).otherwise(Action.ok(1));
    start(RouteAction.newBuilder().setRetryPolicy(retry("unavailable,resource-exhausted", 3)), cluster(), a.port());
    assertThat(call()).isEqualTo("OK a");
    assertThat(a.attemptCounts()).containsExactly("1", "2", "3");
  }

  @Test
  void statusesOutsideRetryOnAreNotRetried() throws Exception {
    a.otherwise(Action.fail(Status.Code.INTERNAL));
    start(RouteAction.newBuilder().setRetryPolicy(retry("unavailable", 3)), cluster(), a.port());
    assertThat(call()).isEqualTo("INTERNAL");
    assertThat(a.calls()).isEqualTo(1);
  }

  @Test
  void retriesRunOutWithUrxAndAreCappedAtFiveAttempts() throws Exception {
    a.otherwise(Action.fail(Status.Code.UNAVAILABLE));
    start(RouteAction.newBuilder().setRetryPolicy(retry("unavailable", 10)), cluster(), a.port());
    assertThat(call()).isEqualTo("UNAVAILABLE [URX]");
    assertThat(a.attemptCounts()).containsExactly("1", "2", "3", "4", "5");
  }

  @Test
  void previousHostsSendsTheRetryToTheOtherEndpoint() throws Exception {
    a.otherwise(Action.fail(Status.Code.UNAVAILABLE));
    b.otherwise(Action.fail(Status.Code.UNAVAILABLE));
    start(RouteAction.newBuilder().setRetryPolicy(retry("unavailable", 1)
        .addRetryHostPredicate(RetryPolicy.RetryHostPredicate.newBuilder()
            .setName("envoy.retry_host_predicates.previous_hosts")
            .setTypedConfig(Any.pack(io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate.getDefaultInstance())))
        .setHostSelectionRetryMaxAttempts(5)), cluster(), a.port(), b.port());
    for (int i = 0; i < 4; i++) {
      assertThat(call()).isEqualTo("UNAVAILABLE [URX]");
    }
    assertThat(a.calls()).isEqualTo(4);
    assertThat(b.calls()).isEqualTo(4);
  }

  @Test
  void serverStreamingCallIsRetriedBeforeTheFirstResponse() throws Exception {
    a.then(Action.fail(Status.Code.UNAVAILABLE)).otherwise(Action.ok(3));
    start(RouteAction.newBuilder().setRetryPolicy(retry("unavailable", 2)), cluster(), a.port());
    Iterator<byte[]> it = ClientCalls.blockingServerStreamingCall(channel(), STREAM, CallOptions.DEFAULT, new byte[] {1});
    List<String> got = new ArrayList<>();
    it.forEachRemaining(m -> got.add(new String(m, StandardCharsets.UTF_8)));
    assertThat(got).containsExactly("a", "a", "a");
    assertThat(a.attemptCounts()).containsExactly("1", "2");
  }

  @Test
  void circuitBreakerOverflowIsUnavailableWithUo() throws Exception {
    a.then(Action.hanging()).otherwise(Action.ok(1));
    start(RouteAction.newBuilder(), cluster().toBuilder().setCircuitBreakers(CircuitBreakers.newBuilder()
        .addThresholds(CircuitBreakers.Thresholds.newBuilder().setMaxRequests(UInt32Value.of(1)))).build(), a.port());
    ClientCall<byte[], byte[]> hanging = channel().newCall(UNARY, CallOptions.DEFAULT);
    CountDownLatch closed = new CountDownLatch(1);
    hanging.start(new ClientCall.Listener<>() {
      @Override
      public void onClose(Status s, Metadata trailers) {
        closed.countDown();
      }
    }, new Metadata());
    hanging.request(1);
    hanging.sendMessage(new byte[] {1});
    hanging.halfClose();
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> a.calls() == 1);
    assertThat(call()).isEqualTo("UNAVAILABLE [UO]");
    hanging.cancel("done", null);
    assertThat(closed.await(5, TimeUnit.SECONDS)).isTrue();
    assertThat(call()).isEqualTo("OK a");
  }

  @Test
  void aUnaryCallWaitsForItsRequestReadyToSendAndEndingItEarlyHoldsNoCircuitBreakerSlot() throws Exception {
    start(RouteAction.newBuilder().setMaxStreamDuration(RouteAction.MaxStreamDuration.newBuilder()
        .setMaxStreamDuration(ms(200))), cluster().toBuilder().setCircuitBreakers(CircuitBreakers.newBuilder()
        .addThresholds(CircuitBreakers.Thresholds.newBuilder().setMaxRequests(UInt32Value.of(1)))).build(), a.port());
    List<Status> statuses = new java.util.concurrent.CopyOnWriteArrayList<>();
    ClientCall.Listener<byte[]> record = new ClientCall.Listener<>() {
      @Override
      public void onClose(Status s, Metadata trailers) {
        statuses.add(s);
      }
    };
    // cancelled before the request is complete, then the route's cap passes before it is complete
    ClientCall<byte[], byte[]> cancelled = channel().newCall(UNARY, CallOptions.DEFAULT);
    cancelled.start(record, new Metadata());
    assertThat(cancelled.isReady()).isTrue(); // nothing is sent yet, but the message may be
    cancelled.cancel("changed my mind", null);
    ClientCall<byte[], byte[]> expired = channel().newCall(UNARY, CallOptions.DEFAULT);
    expired.start(record, new Metadata());
    expired.request(1);
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> statuses.size() == 2);
    assertThat(statuses).extracting(Status::getCode).containsExactly(Status.Code.CANCELLED, Status.Code.DEADLINE_EXCEEDED);
    expired.sendMessage(new byte[] {1});
    expired.halfClose(); // too late: the call is over and starts no attempt
    assertThat(a.calls()).isZero();
    assertThat(call()).isEqualTo("OK a"); // the one max_requests slot is free
  }

  @Test
  void grpcFailuresCountTowardsOutlierEjection() throws Exception {
    a.otherwise(Action.fail(Status.Code.UNAVAILABLE));
    start(RouteAction.newBuilder(), cluster().toBuilder().setOutlierDetection(
        io.envoyproxy.envoy.config.cluster.v3.OutlierDetection.newBuilder()
            .setConsecutive5Xx(UInt32Value.of(2)).setInterval(ms(60_000)).setBaseEjectionTime(ms(60_000))
            .setMaxEjectionPercent(UInt32Value.of(100))).build(), a.port(), b.port());
    for (int i = 0; i < 4; i++) {
      call();
    }
    assertThat(a.calls()).isEqualTo(2);
    for (int i = 0; i < 6; i++) {
      assertThat(call()).isEqualTo("OK b");
    }
    assertThat(a.calls()).isEqualTo(2);
  }

  @Test
  void unaryCallsAreMirroredToTheShadowClusterWithTheShadowAuthority() throws Exception {
    String shadow = clusterName(9090, "shadow", FQDN);
    RouteConfiguration rc = routes(FQDN, 9090, Route.newBuilder().setMatch(prefix("/")).setRoute(RouteAction.newBuilder()
        .setCluster(V1).addRequestMirrorPolicies(RouteAction.RequestMirrorPolicy.newBuilder().setCluster(shadow))).build());
    b.otherwise(Action.fail(Status.Code.INTERNAL));
    xds.set(Snapshot.create(List.of(cluster(), edsCluster(shadow, Cluster.LbPolicy.ROUND_ROBIN)),
        List.of(endpoints(V1, a.port()), endpoints(shadow, b.port())), List.of(listener(FQDN, 9090)),
        List.of(rc), List.of(), "1"));
    mesh = MeshClient.builder().workload("client", "default").xdsServer(xds.address()).build();
    mesh.awaitReady(Duration.ofSeconds(30));
    assertThat(call()).isEqualTo("OK a");
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> b.calls() == 1);
    assertThat(b.authorities()).containsExactly("echo-shadow:9090");
    assertThat(a.authorities()).containsExactly("echo:9090");
  }

  @Test
  void perTryTimeoutEndsAHangingAttemptAndTheRetrySucceeds() throws Exception {
    a.then(Action.hanging()).otherwise(Action.ok(1));
    start(RouteAction.newBuilder().setRetryPolicy(retry("5xx", 1).setPerTryTimeout(ms(150))), cluster(), a.port());
    assertThat(call()).isEqualTo("OK a");
    assertThat(a.attemptCounts()).containsExactly("1", "2");
    a.then(Action.hanging(), Action.hanging());
    assertThat(call()).isEqualTo("DEADLINE_EXCEEDED [URX,UT]");
  }
}
