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
import io.bowline.runtime.lb.ClusterLoadBalancing;
import io.bowline.runtime.lb.UpstreamHost;
import io.bowline.runtime.resilience.AttemptLoop;
import io.bowline.runtime.resilience.Outcome;
import io.bowline.runtime.resilience.Resilience;
import io.bowline.runtime.resilience.timeout.Deadline;
import io.bowline.runtime.snapshot.ClusterEntry;
import java.time.Duration;
import java.util.List;
import java.util.Set;
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
 * P6: the success path of one upstream call through the resilience core — circuit-breaker
 * admission and release, host pick (ejection check), retry policy evaluation, route timeout
 * (15 s deadline) and outlier accounting — against the bare call (pick a host, count it, send) as
 * baseline. The transport answers at once with a shared response, so only the mesh's overhead is
 * measured. Run with {@code -prof gc} for B/op.
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

  private ClusterEntry cluster;
  private RoutePolicies policies;
  private AttemptLoop<Object> loop;
  private final AttemptLoop.Transport<Object> transport = new AttemptLoop.Transport<>() {
    @Override
    public Object send(UpstreamHost host, int attempt, long attemptTimeoutMillis) {
      return RESPONSE;
    }

    @Override
    public Outcome classify(Object response) {
      return OK;
    }

    @Override
    public Outcome classify(Exception failure) {
      return Outcome.RESET;
    }

    @Override
    public void discard(Object response) {}
  };

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
    loop = new AttemptLoop<>(new Resilience());
  }

  @Benchmark
  public Object resilientCall() throws Exception {
    return loop.run(cluster, policies, true, Deadline.after(Deadline.of(policies.timeouts())), transport);
  }

  @Benchmark
  public Object bareCall() throws Exception {
    UpstreamHost host = cluster.balancing().balancer().pick();
    host.onRequestStart();
    try {
      Object r = transport.send(host, 1, 0);
      transport.classify(r);
      return r;
    } finally {
      host.onRequestEnd();
    }
  }
}
