package io.bowline.runtime.conformance;

import static io.bowline.runtime.testing.EnvoyResources.ADS;
import static io.bowline.runtime.testing.EnvoyResources.listener;
import static io.bowline.runtime.testing.EnvoyResources.routes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.UInt32Value;
import io.bowline.api.MeshClient;
import io.bowline.runtime.testing.NamedGrpcServer;
import io.bowline.runtime.testing.NamedHttpServer;
import io.bowline.runtime.testing.ScriptedGrpcServer;
import io.bowline.runtime.testing.ScriptedHttpServer;
import io.bowline.runtime.testing.XdsTestServer;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Envoy {@code RouteAction.auto_host_rewrite} through both adapters, against real loopback servers
 * that echo the {@code Host}/{@code :authority} they received, over a real ADS stream: the
 * authority becomes the chosen endpoint's host name ({@code Endpoint.hostname} from EDS; for a DNS
 * cluster that field or else the DNS name, without port), stays as it was for an endpoint without
 * one, and is chosen again for each attempt, which starts from what the previous attempt was sent
 * with (a retry appends the previous attempt's host name to {@code x-forwarded-host}); a shadow
 * keeps the authority the call had, as Envoy's, and says {@code x-envoy-attempt-count: 1}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AutoHostRewriteTest {
  private XdsTestServer xds;
  private NamedHttpServer httpBackend;
  private NamedGrpcServer grpcBackend;
  private ScriptedHttpServer httpFailing;
  private ScriptedGrpcServer grpcFailing;
  private ScriptedHttpServer httpMirror;
  private ScriptedGrpcServer grpcMirror;
  private ScriptedHttpServer httpCountMirror;
  private ScriptedGrpcServer grpcCountMirror;
  private MeshClient mesh;

  @BeforeAll
  void start() throws Exception {
    xds = new XdsTestServer();
    httpBackend = new NamedHttpServer("b");
    grpcBackend = new NamedGrpcServer("b");
    httpFailing = new ScriptedHttpServer("failing").always(ScriptedHttpServer.status(503));
    grpcFailing = new ScriptedGrpcServer("failing").otherwise(ScriptedGrpcServer.Action.fail(Status.Code.UNAVAILABLE));
    httpMirror = new ScriptedHttpServer("mirror").always(ScriptedHttpServer.status(200));
    grpcMirror = new ScriptedGrpcServer("mirror").otherwise(ScriptedGrpcServer.Action.ok(1));
    httpCountMirror = new ScriptedHttpServer("count-mirror").always(ScriptedHttpServer.status(200));
    grpcCountMirror = new ScriptedGrpcServer("count-mirror").otherwise(ScriptedGrpcServer.Action.ok(1));
    List<Cluster> clusters = new ArrayList<>();
    List<ClusterLoadAssignment> assignments = new ArrayList<>();
    List<io.envoyproxy.envoy.config.listener.v3.Listener> listeners = new ArrayList<>();
    List<RouteConfiguration> routeConfigs = new ArrayList<>();
    for (Adapter adapter : Adapter.values()) {
      int backend = adapter == Adapter.GRPC ? grpcBackend.port() : httpBackend.port();
      int failing = adapter == Adapter.GRPC ? grpcFailing.port() : httpFailing.port();
      int mirror = adapter == Adapter.GRPC ? grpcMirror.port() : httpMirror.port();
      int countMirror = adapter == Adapter.GRPC ? grpcCountMirror.port() : httpCountMirror.port();
      eds(clusters, assignments, name("named", adapter), endpoint("127.0.0.1", backend, "b.named.example"));
      eds(clusters, assignments, name("unnamed", adapter), endpoint("127.0.0.1", backend, ""));
      clusters.add(dns(name("strict-dns", adapter), Cluster.DiscoveryType.STRICT_DNS, endpoint("localhost", backend, "")));
      clusters.add(dns(name("logical-dns-named", adapter), Cluster.DiscoveryType.LOGICAL_DNS,
          endpoint("localhost", backend, "logical.named.example")));
      eds(clusters, assignments, name("forwarded", adapter), endpoint("127.0.0.1", backend, "b.named.example"));
      eds(clusters, assignments, name("retry", adapter),
          endpoint("127.0.0.1", failing, "first.example"), endpoint("127.0.0.1", backend, "second.example"));
      eds(clusters, assignments, name("mirrored", adapter), endpoint("127.0.0.1", backend, "b.named.example"));
      eds(clusters, assignments, name("mirrored-weighted", adapter), endpoint("127.0.0.1", backend, "b.named.example"));
      eds(clusters, assignments, name("mirror-target", adapter), endpoint("127.0.0.1", mirror, "mirror.named.example"));
      eds(clusters, assignments, name("counted", adapter),
          endpoint("127.0.0.1", failing, "first.example"), endpoint("127.0.0.1", backend, "second.example"));
      eds(clusters, assignments, name("count-mirror-target", adapter), endpoint("127.0.0.1", countMirror, ""));
      for (String row : List.of("named", "unnamed", "strict-dns", "logical-dns-named", "forwarded", "retry", "mirrored",
          "mirrored-weighted", "counted")) {
        listeners.add(listener(host(row, adapter), 80));
        RouteAction.Builder action = RouteAction.newBuilder().setCluster(name(row, adapter)).setAutoHostRewrite(BoolValue.of(true));
        action.setAppendXForwardedHost(row.equals("forwarded") || row.equals("retry"));
        if (row.equals("retry") || row.equals("counted")) {
          action.setRetryPolicy(RetryPolicy.newBuilder().setRetryOn("5xx,unavailable").setNumRetries(UInt32Value.of(2))
              .addRetryHostPredicate(RetryPolicy.RetryHostPredicate.newBuilder()
                  .setName("envoy.retry_host_predicates.previous_hosts")
                  .setTypedConfig(Any.pack(PreviousHostsPredicate.getDefaultInstance())))
              .setHostSelectionRetryMaxAttempts(5));
        }
        if (row.startsWith("mirrored")) {
          action.addRequestMirrorPolicies(RouteAction.RequestMirrorPolicy.newBuilder().setCluster(name("mirror-target", adapter)));
        }
        if (row.equals("counted")) {
          action.addRequestMirrorPolicies(RouteAction.RequestMirrorPolicy.newBuilder()
              .setCluster(name("count-mirror-target", adapter)));
        }
        if (row.equals("mirrored-weighted")) {
          action.setWeightedClusters(WeightedCluster.newBuilder().addClusters(WeightedCluster.ClusterWeight.newBuilder()
              .setName(name(row, adapter)).setWeight(UInt32Value.of(100)).setHostRewriteLiteral("literal.example")));
        }
        RouteConfiguration rc = routes(host(row, adapter), 80,
            Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/")).setRoute(action).build());
        if (row.equals("counted")) {
          rc = rc.toBuilder().setVirtualHosts(0, rc.getVirtualHosts(0).toBuilder().setIncludeRequestAttemptCount(true)).build();
        }
        routeConfigs.add(rc);
      }
    }
    xds.set(Snapshot.create(clusters, assignments, listeners, routeConfigs, List.of(), "1"));
    mesh = MeshClient.builder().workload("auto-host", "default").xdsServer(xds.address()).build();
    mesh.awaitReady(Duration.ofSeconds(20));
  }

  @AfterAll
  void stop() throws Exception {
    if (mesh != null) {
      mesh.close();
    }
    httpBackend.close();
    grpcBackend.close();
    httpFailing.close();
    grpcFailing.close();
    httpMirror.close();
    grpcMirror.close();
    httpCountMirror.close();
    grpcCountMirror.close();
    xds.close();
  }

  private static String name(String row, Adapter adapter) {
    return "outbound|80||" + row + "-" + adapter.name().toLowerCase();
  }

  private static String host(String row, Adapter adapter) {
    return row + "-" + adapter.name().toLowerCase() + ".default.svc.cluster.local";
  }

  private Map<String, String> seen(String row, Adapter adapter) {
    Adapter.Outcome outcome = adapter.call(mesh, host(row, adapter), "/svc.Foo/Get", Map.of());
    assertThat(outcome.summary()).isEqualTo("b");
    return outcome.headers();
  }

  private String authority(String row, Adapter adapter) {
    return seen(row, adapter).get("x-seen-authority");
  }

  /** The authority a call to {@code row} has before any rewrite. */
  private static String original(String row, Adapter adapter) {
    // OkHttp leaves the default port out of Host; a gRPC channel's authority is its target
    return adapter == Adapter.GRPC ? host(row, adapter) + ":80" : host(row, adapter);
  }

  @ParameterizedTest
  @EnumSource(Adapter.class)
  void edsEndpointHostnameBecomesTheAuthority(Adapter adapter) {
    assertThat(authority("named", adapter)).isEqualTo("b.named.example");
  }

  @ParameterizedTest
  @EnumSource(Adapter.class)
  void anEndpointWithoutHostnameKeepsTheAuthority(Adapter adapter) {
    Map<String, String> seen = seen("unnamed", adapter);
    assertThat(seen).containsEntry("x-seen-authority", original("unnamed", adapter));
    assertThat(seen).doesNotContainKey("x-seen-x-forwarded-host");
  }

  @ParameterizedTest
  @EnumSource(Adapter.class)
  void appendXForwardedHostKeepsTheReplacedAuthority(Adapter adapter) {
    Map<String, String> seen = seen("forwarded", adapter);
    assertThat(seen).containsEntry("x-seen-authority", "b.named.example");
    assertThat(seen).containsEntry("x-seen-x-forwarded-host", original("forwarded", adapter));
  }

  @ParameterizedTest
  @EnumSource(Adapter.class)
  void aStrictDnsEndpointIsNamedByItsDnsNameWithoutPort(Adapter adapter) {
    assertThat(authority("strict-dns", adapter)).isEqualTo("localhost");
  }

  @ParameterizedTest
  @EnumSource(Adapter.class)
  void aDnsEndpointWithHostnameIsNamedByTheHostname(Adapter adapter) {
    assertThat(authority("logical-dns-named", adapter)).isEqualTo("logical.named.example");
  }

  /**
   * Envoy's router keeps one request header map per call and each attempt edits it in place once
   * its host is chosen ({@code UpstreamRequest::onPoolReady} → {@code Http::Utility::updateAuthority}
   * on {@code parent_.downstreamHeaders()}; {@code Filter::doRetry} reuses that map). So a retry
   * to B after A answered 503 starts from {@code Host: A}: B gets {@code :authority} B and
   * {@code x-forwarded-host} = the call's authority, then A.
   */
  @ParameterizedTest
  @EnumSource(Adapter.class)
  void aRetryEditsTheHeadersThePreviousAttemptWasSentWith(Adapter adapter) {
    int first = failedCalls(adapter); // A also serves the "counted" row
    int retried = 0;
    for (int i = 0; i < 4; i++) { // round robin: calls start at the failing endpoint (A) or at B
      int before = failedCalls(adapter);
      Map<String, String> seen = seen("retry", adapter);
      assertThat(seen).containsEntry("x-seen-authority", "second.example");
      if (failedCalls(adapter) > before) {
        retried++;
        assertThat(seen).as("attempt 2 appends attempt 1's host to what attempt 1 sent")
            .containsEntry("x-seen-x-forwarded-host", original("retry", adapter) + ",first.example");
      } else {
        assertThat(seen).containsEntry("x-seen-x-forwarded-host", original("retry", adapter));
      }
    }
    assertThat(retried).as("some call tried A first").isPositive();
    List<String> failed = adapter == Adapter.GRPC
        ? grpcFailing.authorities()
        : httpFailing.requests().stream().map(h -> h.get("host") + " " + h.get("x-forwarded-host")).toList();
    assertThat(failed.subList(first, failed.size())).as("attempt 1 starts from the call's own headers")
        .hasSize(retried).containsOnly(adapter == Adapter.GRPC
            ? "first.example" : "first.example " + original("retry", adapter));
  }

  /**
   * With {@code include_request_attempt_count}, Envoy's router sets {@code x-envoy-attempt-count}
   * (replacing the caller's) in {@code decodeHeaders} before it copies the headers for shadows
   * ({@code shadow_headers_}); {@code doRetry} then sets 2, 3... on the call's own map only, and
   * the shadow's async-client route never sets the header. So a shadow always says 1.
   */
  @ParameterizedTest
  @EnumSource(Adapter.class)
  void aShadowCarriesAttemptCountOneWhileTheCallIsRetried(Adapter adapter) {
    int calls = 4;
    int retried = 0;
    for (int i = 0; i < calls; i++) {
      int before = failedCalls(adapter);
      Adapter.Outcome outcome = adapter.call(mesh, host("counted", adapter), "/svc.Foo/Get",
          Map.of("x-envoy-attempt-count", "7"));
      assertThat(outcome.summary()).isEqualTo("b");
      boolean viaFailing = failedCalls(adapter) > before;
      retried += viaFailing ? 1 : 0;
      assertThat(outcome.headers()).containsEntry("x-seen-x-envoy-attempt-count", viaFailing ? "2" : "1");
    }
    assertThat(retried).as("some call was retried").isPositive();
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(shadowAttemptCounts(adapter)).hasSize(calls));
    assertThat(shadowAttemptCounts(adapter)).containsOnly("1");
  }

  private int failedCalls(Adapter adapter) {
    return adapter == Adapter.GRPC ? grpcFailing.calls() : httpFailing.requestCount();
  }

  private List<String> shadowAttemptCounts(Adapter adapter) {
    return adapter == Adapter.GRPC
        ? grpcCountMirror.attemptCounts()
        : httpCountMirror.requests().stream().map(h -> String.valueOf(h.get("x-envoy-attempt-count"))).toList();
  }

  /**
   * Envoy copies a shadow's headers before the first attempt picks its host, and
   * {@code auto_host_rewrite} is applied per attempt once a host is picked (router
   * {@code decodeHeaders} vs {@code UpstreamRequest::onPoolReady}); the shadow's own host (in the
   * mirror cluster) does not rename it either. So a shadow carries the authority the call had, with
   * {@code -shadow}, neither the primary's nor the mirror endpoint's host name.
   */
  @ParameterizedTest
  @EnumSource(Adapter.class)
  void aShadowKeepsTheAuthorityTheCallHadWithTheShadowSuffix(Adapter adapter) {
    assertThat(authority("mirrored", adapter)).isEqualTo("b.named.example");

    String shadow = adapter == Adapter.GRPC
        ? host("mirrored", adapter) + "-shadow:80" : host("mirrored", adapter) + "-shadow";
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(shadowAuthorities(adapter)).contains(shadow));
    assertThat(shadowAuthorities(adapter)).doesNotContain("b.named.example-shadow", "mirror.named.example-shadow");
  }

  /**
   * A weighted cluster's {@code host_rewrite_literal} is applied before Envoy copies the shadow's
   * headers ({@code finalizeRequestHeaders}), {@code auto_host_rewrite} only per attempt after it.
   */
  @ParameterizedTest
  @EnumSource(Adapter.class)
  void aShadowCarriesTheLiteralRewriteButNotTheEndpointsName(Adapter adapter) {
    assertThat(authority("mirrored-weighted", adapter)).isEqualTo("b.named.example");

    await().atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(shadowAuthorities(adapter)).contains("literal.example-shadow"));
    assertThat(shadowAuthorities(adapter)).doesNotContain("b.named.example-shadow", "mirror.named.example-shadow");
  }

  private List<String> shadowAuthorities(Adapter adapter) {
    return adapter == Adapter.GRPC
        ? grpcMirror.authorities()
        : httpMirror.requests().stream().map(h -> h.get("host")).toList();
  }

  private static void eds(List<Cluster> clusters, List<ClusterLoadAssignment> assignments, String name, LbEndpoint... endpoints) {
    clusters.add(Cluster.newBuilder().setName(name).setType(Cluster.DiscoveryType.EDS)
        .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setEdsConfig(ADS).setServiceName(name))
        .setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN).build());
    assignments.add(ClusterLoadAssignment.newBuilder().setClusterName(name)
        .addEndpoints(LocalityLbEndpoints.newBuilder().addAllLbEndpoints(List.of(endpoints))).build());
  }

  private static Cluster dns(String name, Cluster.DiscoveryType type, LbEndpoint endpoint) {
    return Cluster.newBuilder().setName(name).setType(type)
        .setLoadAssignment(ClusterLoadAssignment.newBuilder().setClusterName(name)
            .addEndpoints(LocalityLbEndpoints.newBuilder().addLbEndpoints(endpoint)))
        .build();
  }

  private static LbEndpoint endpoint(String address, int port, String hostname) {
    return LbEndpoint.newBuilder().setEndpoint(Endpoint.newBuilder().setHostname(hostname)
        .setAddress(Address.newBuilder().setSocketAddress(SocketAddress.newBuilder().setAddress(address).setPortValue(port))))
        .build();
  }
}
