package io.bowline.benchmarks;

import io.bowline.api.config.Cluster;
import io.bowline.api.config.ClusterLoadAssignment;
import io.bowline.api.config.ClusterPolicies;
import io.bowline.api.config.CircuitBreakers;
import io.bowline.api.config.Endpoint;
import io.bowline.api.config.LbPolicy;
import io.bowline.api.config.LocalityEndpoints;
import io.bowline.api.config.OutlierDetection;
import io.bowline.api.config.RetryPolicy;
import io.bowline.api.config.RoutePolicies;
import io.bowline.api.config.RouteTimeouts;
import io.bowline.runtime.upstream.lb.ClusterLoadBalancing;
import io.bowline.runtime.upstream.lb.UpstreamHost;
import io.bowline.api.MeshRequest;
import io.bowline.api.config.PathMatcher;
import io.bowline.api.config.Route;
import io.bowline.api.config.RouteAction;
import io.bowline.api.config.RouteMatch;
import io.bowline.api.config.HeaderMutations;
import io.bowline.api.filter.ExchangeResponse;
import io.bowline.api.filter.HttpFilter;
import io.bowline.runtime.pipeline.MeshExchange;
import io.bowline.runtime.pipeline.RouteChain;
import io.bowline.runtime.pipeline.RoutedCall;
import io.bowline.runtime.upstream.Outcome;
import io.bowline.runtime.upstream.Resilience;
import io.bowline.runtime.router.retry.RetryDecider;
import io.bowline.runtime.router.timeout.Deadline;
import io.bowline.runtime.pipeline.CallScheduler;
import io.bowline.runtime.pipeline.CallerThreadScheduler;
import io.bowline.runtime.router.RouterFilter;
import io.bowline.runtime.router.UpstreamCall;
import io.bowline.runtime.router.UpstreamTransport;
import io.bowline.runtime.routing.HashPolicies;
import io.bowline.runtime.routing.RequestMutation;
import io.bowline.runtime.upstream.ClusterEntry;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * P6: the success path of one upstream call through the exchange pipeline's router
 * ({@link UpstreamCall} on a caller-thread scheduler, as the OkHttp adapter runs it) — the
 * exchange, circuit-breaker admission and release, host pick (ejection check), retry policy
 * evaluation, route timeout (15 s deadline, {@link Deadline#nanosAfter}'s value held by the call's
 * transport, which every adapter makes per call; the OkHttp adapter's keeps a {@code Deadline} object) and outlier
 * accounting — against the bare call (pick a
 * host, count it, send) as baseline. Two slices: {@code resilientCall} makes the whole exchange
 * per call (exchange, scheduler, transport, router, as the OkHttp adapter does); {@code routerCall} runs the
 * router alone on a reused exchange, the slice the benchmark measured before the pipeline (the
 * former {@code AttemptLoop.run}), so that the two can be compared. One
 * per-call object is the exchange's caller-thread scheduler, its upstreams and the call's transport (with the
 * call's deadline). The transport answers at once
 * with a shared response, so only the mesh's overhead is measured. Run with {@code -prof gc} for
 * B/op.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class ResiliencePathBenchmark {
  private static final Object RESPONSE = new Object();
  private static final Outcome OK = Outcome.response(200, -1, Outcome.Headers.NONE);

  /** A GET to svc:80/ without headers; other benchmarks reuse it. */
  static final MeshRequest REQUEST = new MeshRequest() {
    @Override
    public String authority() {
      return "svc:80";
    }

    @Override
    public String method() {
      return "GET";
    }

    @Override
    public String path() {
      return "/";
    }

    @Override
    public String scheme() {
      return "http";
    }

    @Override
    public List<String> headers(String name) {
      return List.of();
    }
  };

  private ClusterEntry cluster;
  private RoutePolicies policies;
  private Resilience resilience;
  private RoutedCall.Upstream upstream;
  private RouteChain chain;
  private static final UpstreamTransport.InFlight SENT = () -> { };

  @Setup
  public void setUp() {
    List<Endpoint> eps = List.of(
        new Endpoint("10.0.0.1", 9080, 1, Endpoint.HealthStatus.HEALTHY),
        new Endpoint("10.0.0.2", 9080, 1, Endpoint.HealthStatus.HEALTHY),
        new Endpoint("10.0.0.3", 9080, 1, Endpoint.HealthStatus.HEALTHY));
    ClusterLoadAssignment cla = new ClusterLoadAssignment(
        "c", List.of(new LocalityEndpoints(LocalityEndpoints.Locality.NONE, 0, 1, eps)), 140);
    Cluster c = new Cluster("c", Cluster.DiscoveryType.STATIC, null, LbPolicy.ROUND_ROBIN, cla,
        new ClusterPolicies(CircuitBreakers.ENVOY_DEFAULT, OutlierDetection.ENVOY_DEFAULT));
    cluster = new ClusterEntry(c, cla, ClusterLoadBalancing.build(LbPolicy.ROUND_ROBIN, cla, null));
    RetryPolicy retry = new RetryPolicy(Set.of("5xx", "connect-failure"), 2, null, Set.of(), List.of(),
        Duration.ofMillis(25), Duration.ofMillis(250), true, 5);
    policies = new RoutePolicies(new RouteTimeouts(Duration.ofSeconds(15), null, null), retry, List.of(), null, true);
    resilience = new Resilience();
    Route route = new Route("r", new RouteMatch(new PathMatcher.Prefix("/"), true, List.of()),
        new RouteAction.ToCluster("c", RouteAction.ForwardOptions.NONE), HeaderMutations.NONE, policies);
    upstream = new RoutedCall.Upstream(route, cluster, "svc:80", RequestMutation.NONE, HashPolicies.NO_HASH,
        resilience.cluster(cluster)); // as OutboundRouter.route makes it
    chain = new RouteChain(route, new HttpFilter[] {RouterFilter.INSTANCE}, null, new RetryDecider(retry));
  }

  /**
   * The adapter's per-call object: the exchange's caller-thread scheduler, its
   * {@link MeshExchange.Upstreams} and the call's {@link UpstreamTransport} (with the call's deadline) in one.
   * The transport answers every attempt at once with a shared response.
   */
  static final class BlockingCall extends CallerThreadScheduler
      implements MeshExchange.Upstreams, UpstreamTransport<Object> {
    private final ResiliencePathBenchmark client;
    private long deadlineNanos = Long.MAX_VALUE;

    BlockingCall(ResiliencePathBenchmark client) {
      this.client = client;
    }

    @Override
    public CallScheduler scheduler() {
      return this;
    }

    @Override
    public CompletableFuture<ExchangeResponse> start(MeshExchange e, RoutedCall.Upstream up) {
      return router(e).start();
    }

    /** A router for {@code e}'s decision over this call, its deadline the route timeout from now. */
    UpstreamCall<Object> router(MeshExchange e) {
      deadlineNanos = Deadline.nanosAfter(Deadline.of(client.policies.timeouts()));
      return new UpstreamCall<>(e, this, true, Integer.MAX_VALUE, "svc:80", null);
    }

    @Override
    public InFlight send(Attempt attempt, Callbacks<Object> callbacks) {
      callbacks.onResponse(RESPONSE, true);
      return SENT;
    }

    @Override
    public Outcome outcome(Object response) {
      return OK;
    }

    @Override
    public void discard(Object response) {}

    @Override
    public long deadlineNanos() {
      return deadlineNanos;
    }
  }

  @Benchmark
  public Object resilientCall() throws Exception {
    BlockingCall call = new BlockingCall(this);
    MeshExchange ex = new MeshExchange("http", REQUEST, null, "svc", 80, "svc:80", upstream, chain, call);
    call.runUntil(ex.run());
    return ex.result().join();
  }

  private MeshExchange routerExchange; // made on the benchmark's thread, whose tasks its scheduler runs
  private BlockingCall routerExchangeCall;

  @Benchmark
  public Object routerCall() throws Exception {
    MeshExchange ex = routerExchange;
    if (ex == null) {
      routerExchangeCall = new BlockingCall(this);
      ex = new MeshExchange("http", REQUEST, null, "svc", 80, "svc:80", upstream, chain, routerExchangeCall);
      routerExchange = ex;
    }
    CompletableFuture<ExchangeResponse> r = routerExchangeCall.router(ex).start();
    routerExchangeCall.runUntil(r);
    return r.join();
  }

  @Benchmark
  public Object bareCall() throws Exception {
    UpstreamHost host = cluster.balancing().balancer().pick();
    host.onRequestStart();
    try {
      OK.httpStatus(); // the transport's outcome of the shared response
      return RESPONSE;
    } finally {
      host.onRequestEnd();
    }
  }
}
