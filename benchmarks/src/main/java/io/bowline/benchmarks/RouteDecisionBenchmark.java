package io.bowline.benchmarks;

import io.bowline.api.MeshRequest;
import io.bowline.api.config.HeaderMatcher;
import io.bowline.api.config.PathMatcher;
import io.bowline.api.config.Route;
import io.bowline.api.config.RouteAction;
import io.bowline.api.config.RouteConfiguration;
import io.bowline.api.config.RouteMatch;
import io.bowline.api.config.StringMatcher;
import io.bowline.api.config.VirtualHost;
import io.bowline.runtime.routing.CompiledRouteConfig;
import io.bowline.runtime.routing.RouteDecision;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * P2: one route decision (virtual host, first matching route, weighted cluster pick) on a
 * 1000-route virtual host mixing exact paths (400), prefixes (300), RE2 regexes (200) and header
 * rules (100, prefix + header), interleaved, with a weighted 90/10 catch-all last. {@code kind}
 * picks the request: one hitting the last rule of each kind, or falling through to the weighted
 * catch-all; {@code mixed} cycles through eight requests of all kinds (regex hits with and without
 * a query, a regex-shaped miss). The baseline is a direct {@code HashMap} dispatch by path over the
 * same request stream, in the same run. Run with {@code -prof gc} to see bytes allocated per
 * decision: {@code java -jar benchmarks/target/benchmarks.jar RouteDecisionBenchmark -prof gc}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class RouteDecisionBenchmark {
  @Param({"exact", "prefix", "regex", "header", "weighted", "mixed"})
  public String kind;

  private CompiledRouteConfig config;
  private Request[] requests;
  private int cursor;
  private Map<String, String> direct;

  @Setup
  public void setUp() {
    List<Route> routes = new ArrayList<>();
    int exact = 0;
    int prefix = 0;
    int regex = 0;
    int header = 0;
    for (int i = 0; i < 1000; i++) {
      int slot = i % 10;
      RouteMatch match;
      if (slot < 4) {
        match = new RouteMatch(new PathMatcher.Exact("/exact" + exact + "/item"), true, List.of());
        exact++;
      } else if (slot < 7) {
        match = new RouteMatch(new PathMatcher.Prefix("/prefix" + prefix + "/"), true, List.of());
        prefix++;
      } else if (slot < 9) {
        match = new RouteMatch(new PathMatcher.Regex("/regex" + regex + "/[0-9]+/detail"), true, List.of());
        regex++;
      } else {
        match = new RouteMatch(new PathMatcher.Prefix("/header" + header + "/"), true,
            List.of(HeaderMatcher.of("x-version", new StringMatcher(StringMatcher.Kind.EXACT, "v" + header, false))));
        header++;
      }
      routes.add(new Route("r" + i, match, new RouteAction.ToCluster("outbound|80|r" + i + "|svc.default.svc.cluster.local")));
    }
    routes.add(new Route("catch-all", new RouteMatch(new PathMatcher.Prefix("/"), true, List.of()),
        new RouteAction.ToWeightedClusters(List.of(
            new RouteAction.ClusterWeight("outbound|80|v1|svc.default.svc.cluster.local", 90),
            new RouteAction.ClusterWeight("outbound|80|v2|svc.default.svc.cluster.local", 10)))));
    List<VirtualHost> hosts = new ArrayList<>();
    for (int s = 0; s < 50; s++) {
      String fqdn = "other" + s + ".default.svc.cluster.local";
      hosts.add(new VirtualHost(fqdn, List.of(fqdn, "other" + s), List.of(routes.get(routes.size() - 1))));
    }
    hosts.add(new VirtualHost("svc", List.of("svc.default.svc.cluster.local", "svc.default.svc", "svc.default", "svc"), routes));
    config = new CompiledRouteConfig(new RouteConfiguration("all", hosts, true));
    Request[] all = {
      new Request("svc", "/exact399/item", null),
      new Request("svc", "/prefix299/items/42", null),
      new Request("svc", "/regex199/12345/detail", null),
      new Request("svc", "/header99/list", "v99"),
      new Request("svc", "/nothing/matches/here", null),
      new Request("svc", "/regex17/987/detail?expand=1", null),
      new Request("svc", "/exact12/item", null),
      new Request("svc", "/regex88/x/detail", null),
    };
    requests = switch (kind) {
      case "exact" -> new Request[] {all[0]};
      case "prefix" -> new Request[] {all[1]};
      case "regex" -> new Request[] {all[2]};
      case "header" -> new Request[] {all[3]};
      case "weighted" -> new Request[] {all[4]};
      case "mixed" -> all;
      default -> throw new IllegalArgumentException("kind " + kind);
    };
    direct = new HashMap<>();
    for (int i = 0; i < 1000; i++) {
      direct.put("/path" + i, "cluster" + i);
    }
    for (Request r : requests) {
      direct.put(r.path(), "outbound|80|v1|svc.default.svc.cluster.local");
      RouteDecision d = config.route(r);
      if (!(d instanceof RouteDecision.Forward)) {
        throw new IllegalStateException(kind + ": expected a forward for " + r.path() + ", got " + d);
      }
    }
  }

  private MeshRequest next() {
    int i = cursor + 1;
    cursor = i == requests.length ? 0 : i;
    return requests[cursor];
  }

  /** The mesh's decision: virtual host, first matching route, weighted pick. */
  @Benchmark
  public RouteDecision routeDecision() {
    return config.route(next());
  }

  /** Baseline: what an application's own dispatch by path costs. */
  @Benchmark
  public String directCall() {
    return direct.get(next().path());
  }

  /** A request view that answers {@code header()} without joining (as adapters may). */
  static final class Request implements MeshRequest {
    private final String authority;
    private final String path;
    private final String version;

    Request(String authority, String path, String version) {
      this.authority = authority;
      this.path = path;
      this.version = version;
    }

    @Override
    public String authority() {
      return authority;
    }

    @Override
    public String method() {
      return "GET";
    }

    @Override
    public String path() {
      return path;
    }

    @Override
    public String scheme() {
      return "http";
    }

    @Override
    public List<String> headers(String name) {
      return version != null && name.equals("x-version") ? List.of(version) : List.of();
    }

    @Override
    public String header(String name) {
      return version != null && name.equals("x-version") ? version : null;
    }
  }
}
