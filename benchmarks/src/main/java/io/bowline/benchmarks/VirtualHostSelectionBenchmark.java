package io.bowline.benchmarks;

import io.bowline.api.MeshRequest;
import io.bowline.api.config.PathMatcher;
import io.bowline.api.config.Route;
import io.bowline.api.config.RouteAction;
import io.bowline.api.config.RouteConfiguration;
import io.bowline.api.config.RouteMatch;
import io.bowline.api.config.VirtualHost;
import io.bowline.runtime.routing.CompiledRouteConfig;
import io.bowline.runtime.routing.RouteDecision;
import java.util.ArrayList;
import java.util.List;
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
 * Virtual-host selection plus a catch-all route on a route configuration with 200 services, each
 * listed under its FQDN and short names (Istio's sidecar shape). Measures the index, not the
 * matchers.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class VirtualHostSelectionBenchmark {
  private CompiledRouteConfig config;
  private MeshRequest request;

  @Setup
  public void setUp() {
    List<VirtualHost> hosts = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      String name = "svc" + i;
      String fqdn = name + ".default.svc.cluster.local";
      hosts.add(new VirtualHost(fqdn + ":80",
          List.of(fqdn, name + ".default.svc", name + ".default", name),
          List.of(new Route("", new RouteMatch(new PathMatcher.Prefix(""), true, List.of()),
              new RouteAction.ToCluster("outbound|80||" + fqdn)))));
    }
    config = new CompiledRouteConfig(new RouteConfiguration("all", hosts, true));
    request = new RouteDecisionBenchmark.Request("svc137:80", "/api/v1/items?id=4", null);
  }

  @Benchmark
  public RouteDecision selectAndRoute() {
    return config.route(request);
  }
}
