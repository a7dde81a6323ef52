package io.bowline.runtime.filter.ratelimit;

import static io.bowline.runtime.testing.EnvoyResources.clusterName;
import static io.bowline.runtime.testing.EnvoyResources.edsCluster;
import static io.bowline.runtime.testing.EnvoyResources.endpoints;
import static io.bowline.runtime.testing.EnvoyResources.listener;
import static io.bowline.runtime.testing.EnvoyResources.prefix;
import static io.bowline.runtime.testing.EnvoyResources.routes;
import static io.bowline.runtime.testing.RateLimitServer.code;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.util.Durations;
import io.bowline.api.MeshClient;
import io.bowline.runtime.adapter.okhttp.BowlineOkHttp;
import io.bowline.runtime.adapter.okhttp.MeshInterceptor;
import io.bowline.runtime.testing.GrpcOutcomes;
import io.bowline.runtime.testing.RateLimitServer;
import io.bowline.runtime.testing.ScriptedGrpcServer;
import io.bowline.runtime.testing.ScriptedHttpServer;
import io.bowline.runtime.testing.XdsTestServer;
import io.bowline.runtime.xds.resource.TypeUrls;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.ratelimit.v3.RateLimitServiceConfig;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.RateLimit;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.extensions.filters.http.ratelimit.v3.RateLimitPerRoute;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.service.ratelimit.v3.RateLimitResponse;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code envoy.filters.http.ratelimit} over a real ADS stream, OkHttp and gRPC, against a real
 * {@code envoy.service.ratelimit.v3.RateLimitService} on loopback: the shapes of Istio's global
 * rate limit task (the filter inserted before the router, a {@code rate_limit_service} cluster,
 * route {@code rate_limits} actions), the service's decisions, and what happens when it cannot answer.
 */
class RateLimitFilterTest {
  private static final String FQDN = "reviews.default.svc.cluster.local";
  private static final String CLUSTER = clusterName(9080, "v1", FQDN);
  private static final String RLS = clusterName(8081, "", "ratelimit.default.svc.cluster.local");

  private XdsTestServer xds;
  private ScriptedHttpServer server;
  private RateLimitServer rls;
  private MeshClient mesh;
  private OkHttpClient http;
  private int version;

  @BeforeEach
  void setUp() throws Exception {
    xds = new XdsTestServer();
    server = new ScriptedHttpServer("v1");
    rls = new RateLimitServer();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (mesh != null) {
      mesh.close();
    }
    rls.close();
    server.close();
    xds.close();
  }

  /** The filter as Istio's task writes it, with the given timeout. */
  private static io.envoyproxy.envoy.extensions.filters.http.ratelimit.v3.RateLimit.Builder filter(boolean deny) {
    return io.envoyproxy.envoy.extensions.filters.http.ratelimit.v3.RateLimit.newBuilder()
        .setDomain("ratelimit").setFailureModeDeny(deny).setTimeout(Durations.fromSeconds(10))
        .setRateLimitService(RateLimitServiceConfig.newBuilder().setTransportApiVersion(ApiVersion.V3)
            .setGrpcService(GrpcService.newBuilder().setEnvoyGrpc(GrpcService.EnvoyGrpc.newBuilder()
                .setClusterName(RLS).setAuthority("ratelimit.default.svc.cluster.local"))));
  }

  /** istiod's listener with the rate limit filter inserted before the router (the task's HTTP_FILTER patch). */
  private static Listener withFilter(io.envoyproxy.envoy.extensions.filters.http.ratelimit.v3.RateLimit config)
      throws IOException {
    Listener l = listener(FQDN, 9080);
    HttpConnectionManager hcm = l.getApiListener().getApiListener().unpack(HttpConnectionManager.class);
    List<HttpFilter> fs = new ArrayList<>(hcm.getHttpFiltersList());
    fs.add(fs.size() - 1, HttpFilter.newBuilder().setName("envoy.filters.http.ratelimit")
        .setTypedConfig(Any.pack(config)).build());
    hcm = hcm.toBuilder().clearHttpFilters().addAllHttpFilters(fs).build();
    return l.toBuilder().setApiListener(l.getApiListener().toBuilder().setApiListener(Any.pack(hcm))).build();
  }

  private static RateLimit.Action pathAction() {
    return RateLimit.Action.newBuilder().setRequestHeaders(RateLimit.Action.RequestHeaders.newBuilder()
        .setHeaderName(":path").setDescriptorKey("PATH")).build();
  }

  private static Route route(String prefix, RateLimit... limits) {
    return Route.newBuilder().setMatch(prefix(prefix))
        .setRoute(RouteAction.newBuilder().setCluster(CLUSTER).addAllRateLimits(List.of(limits))).build();
  }

  private static RateLimit limit(RateLimit.Action... actions) {
    return RateLimit.newBuilder().addAllActions(List.of(actions)).build();
  }

  private void publish(Listener l, RouteConfiguration rc) {
    publish(l, rc, server.port(), rls.port());
  }

  private void publish(Listener l, RouteConfiguration rc, int port, int rlsPort) {
    xds.set(Snapshot.create(
        List.of(edsCluster(CLUSTER, Cluster.LbPolicy.ROUND_ROBIN), edsCluster(RLS, Cluster.LbPolicy.ROUND_ROBIN)),
        List.of(endpoints(CLUSTER, port), endpoints(RLS, rlsPort)), List.of(l), List.of(rc), List.of(),
        "v" + (++version)));
  }

  private void connect() throws Exception {
    mesh = MeshClient.builder().workload("productpage-v1", "default").xdsServer(xds.address()).build();
    mesh.awaitReady(Duration.ofSeconds(30));
    http = BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
  }

  private String call(String path) throws IOException {
    return call(new Request.Builder().url("http://reviews:9080" + path).build());
  }

  private String call(Request request) throws IOException {
    try (Response r = http.newCall(request).execute()) {
      String flags = r.header(MeshInterceptor.RESPONSE_FLAGS_HEADER);
      return r.code() + (flags == null ? "" : " [" + flags + "]");
    }
  }

  /** The descriptors of a request as (key=value, ...) strings. */
  private static List<String> descriptors(io.envoyproxy.envoy.service.ratelimit.v3.RateLimitRequest r) {
    List<String> out = new ArrayList<>();
    for (RateLimitDescriptor d : r.getDescriptorsList()) {
      List<String> entries = new ArrayList<>();
      d.getEntriesList().forEach(e -> entries.add(e.getKey() + "=" + e.getValue()));
      out.add(String.join(",", entries));
    }
    return out;
  }

  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void anOkFromTheServiceLetsTheRequestThroughAfterAskingWithTheRouteDescriptorsAndDomain() throws Exception {
    publish(withFilter(filter(true).build()), routes(FQDN, 9080, route("", limit(pathAction()))));
    connect();
    assertThat(call("/productpage")).isEqualTo("200");
    assertThat(server.requestCount()).isEqualTo(1);
    assertThat(rls.requests()).hasSize(1);
    assertThat(rls.requests().get(0).getDomain()).isEqualTo("ratelimit");
    assertThat(descriptors(rls.requests().get(0))).containsExactly("PATH=/productpage");
  }

  @Test
  void overLimitIsAnswered429WithRlAndXEnvoyRateLimitedAndNeverReachesTheServer() throws Exception {
    publish(withFilter(filter(true).build()), routes(FQDN, 9080, route("", limit(pathAction()))));
    rls.answer(r -> descriptors(r).contains("PATH=/limited") ? code(RateLimitResponse.Code.OVER_LIMIT)
        : code(RateLimitResponse.Code.OK));
    connect();
    assertThat(List.of(call("/free"), call("/limited"), call("/free"))).containsExactly("200", "429 [RL]", "200");
    assertThat(server.requestCount()).isEqualTo(2);
    try (Response r = http.newCall(new Request.Builder().url("http://reviews:9080/limited").build()).execute()) {
      assertThat(r.header("x-envoy-ratelimited")).isEqualTo("true");
    }
  }

  @Test
  void anUnreachableServiceWithFailureModeDenyIsAnswered500WithRlse() throws Exception {
    publish(withFilter(filter(true).build()), routes(FQDN, 9080, route("", limit(pathAction()))),
        server.port(), closedPort());
    connect();
    assertThat(call("/productpage")).isEqualTo("500 [RLSE]");
    assertThat(server.requestCount()).isZero();
  }

  @Test
  void anUnreachableServiceWithoutFailureModeDenyLetsRequestsThrough() throws Exception {
    publish(withFilter(filter(false).build()), routes(FQDN, 9080, route("", limit(pathAction()))),
        server.port(), closedPort());
    connect();
    assertThat(List.of(call("/a"), call("/b"))).containsOnly("200");
    assertThat(server.requestCount()).isEqualTo(2);
  }

  @Test
  void aServiceSlowerThanTheTimeoutCountsAsAnError() throws Exception {
    // the default timeout, 20 ms; the service never answers
    rls.answer(r -> null);
    publish(withFilter(filter(true).clearTimeout().build()), routes(FQDN, 9080, route("", limit(pathAction()))));
    connect();
    assertThat(call("/productpage")).isEqualTo("500 [RLSE]");
    publish(withFilter(filter(false).clearTimeout().build()), routes(FQDN, 9080, route("", limit(pathAction()))));
    awaitAcked();
    assertThat(call("/productpage")).as("failure_mode_deny off: the late answer is not waited for").isEqualTo("200");
    assertThat(rls.requests()).isNotEmpty();
  }

  @Test
  void everyActionKindMakesItsEntryAndAMissingHeaderDropsItsDescriptorUnlessSkipIfAbsent() throws Exception {
    RateLimit.Action user = RateLimit.Action.newBuilder().setRequestHeaders(RateLimit.Action.RequestHeaders.newBuilder()
        .setHeaderName("x-user").setDescriptorKey("user")).build();
    RateLimit.Action userOptional = RateLimit.Action.newBuilder().setRequestHeaders(
        RateLimit.Action.RequestHeaders.newBuilder().setHeaderName("x-user").setDescriptorKey("user")
            .setSkipIfAbsent(true)).build();
    RateLimit.Action generic = RateLimit.Action.newBuilder().setGenericKey(
        RateLimit.Action.GenericKey.newBuilder().setDescriptorValue("reviews")).build();
    RateLimit.Action isGet = RateLimit.Action.newBuilder().setHeaderValueMatch(RateLimit.Action.HeaderValueMatch.newBuilder()
        .setDescriptorValue("get").addHeaders(HeaderMatcher.newBuilder().setName(":method")
            .setStringMatch(StringMatcher.newBuilder().setExact("GET")))).build();
    RateLimit.Action notPost = RateLimit.Action.newBuilder().setHeaderValueMatch(RateLimit.Action.HeaderValueMatch.newBuilder()
        .setDescriptorKey("method").setDescriptorValue("not-post").setExpectMatch(BoolValue.of(false))
        .addHeaders(HeaderMatcher.newBuilder().setName(":method")
            .setStringMatch(StringMatcher.newBuilder().setExact("POST")))).build();
    RateLimit.Action destination = RateLimit.Action.newBuilder()
        .setDestinationCluster(RateLimit.Action.DestinationCluster.getDefaultInstance()).build();
    RateLimit.Action source = RateLimit.Action.newBuilder()
        .setSourceCluster(RateLimit.Action.SourceCluster.getDefaultInstance()).build();
    publish(withFilter(filter(true).build()), routes(FQDN, 9080, route("",
        limit(user, generic), limit(userOptional, generic), limit(isGet), limit(notPost), limit(destination, source))));
    connect();
    assertThat(call(new Request.Builder().url("http://reviews:9080/").header("x-user", "jason").build())).isEqualTo("200");
    assertThat(call("/")).isEqualTo("200");
    assertThat(rls.requests()).hasSize(2);
    List<String> productpage = List.of("destination_cluster=" + CLUSTER, "source_cluster=productpage-v1.default");
    assertThat(descriptors(rls.requests().get(0))).containsExactly("user=jason,generic_key=reviews",
        "user=jason,generic_key=reviews", "header_match=get", "method=not-post", String.join(",", productpage));
    assertThat(descriptors(rls.requests().get(1))).as("without x-user").containsExactly("generic_key=reviews",
        "header_match=get", "method=not-post", String.join(",", productpage));
  }

  @Test
  void aRequestWithoutDescriptorsOrOnAnotherStageIsNotSent() throws Exception {
    RateLimit.Action user = RateLimit.Action.newBuilder().setRequestHeaders(RateLimit.Action.RequestHeaders.newBuilder()
        .setHeaderName("x-user").setDescriptorKey("user")).build();
    RateLimit stage1 = limit(pathAction()).toBuilder().setStage(UInt32Value.of(1)).build();
    publish(withFilter(filter(true).build()), routes(FQDN, 9080, route("/user", limit(user)), route("", stage1)));
    connect();
    assertThat(List.of(call("/user"), call("/other"))).containsOnly("200");
    assertThat(rls.requests()).isEmpty();
  }

  @Test
  void theVirtualHostsRateLimitsApplyToRoutesWithoutTheirOwnOrWhenIncludedAndThePerRouteDomainWins() throws Exception {
    RateLimit vhLimit = limit(RateLimit.Action.newBuilder().setGenericKey(
        RateLimit.Action.GenericKey.newBuilder().setDescriptorKey("vh").setDescriptorValue("reviews")).build());
    Route include = route("/include", limit(pathAction())).toBuilder()
        .putTypedPerFilterConfig("envoy.filters.http.ratelimit", Any.pack(RateLimitPerRoute.newBuilder()
            .setVhRateLimits(RateLimitPerRoute.VhRateLimitsOptions.INCLUDE).setDomain("per-route").build()))
        .build();
    RouteConfiguration rc = routes(FQDN, 9080, route("/own", limit(pathAction())), include, route(""));
    rc = rc.toBuilder().setVirtualHosts(0, rc.getVirtualHosts(0).toBuilder().addRateLimits(vhLimit)).build();
    publish(withFilter(filter(true).build()), rc);
    connect();
    assertThat(List.of(call("/own"), call("/include"), call("/other"))).containsOnly("200");
    assertThat(rls.requests()).extracting(r -> r.getDomain() + " " + descriptors(r)).containsExactly(
        "ratelimit [PATH=/own]", "per-route [PATH=/include, vh=reviews]", "ratelimit [vh=reviews]");
  }

  @Test
  void xRateLimitHeadersAndTheServicesHeadersAreOnTheRateLimitedReply() throws Exception {
    RateLimitResponse.DescriptorStatus perMinute = RateLimitResponse.DescriptorStatus.newBuilder()
        .setCode(RateLimitResponse.Code.OVER_LIMIT).setLimitRemaining(0)
        .setCurrentLimit(RateLimitResponse.RateLimit.newBuilder().setRequestsPerUnit(10)
            .setUnit(RateLimitResponse.RateLimit.Unit.MINUTE).setName("per-path"))
        .setDurationUntilReset(Durations.fromSeconds(42)).build();
    RateLimitResponse.DescriptorStatus perHour = RateLimitResponse.DescriptorStatus.newBuilder()
        .setCode(RateLimitResponse.Code.OK).setLimitRemaining(900)
        .setCurrentLimit(RateLimitResponse.RateLimit.newBuilder().setRequestsPerUnit(1000)
            .setUnit(RateLimitResponse.RateLimit.Unit.HOUR))
        .setDurationUntilReset(Durations.fromSeconds(1800)).build();
    rls.answer(r -> RateLimitResponse.newBuilder().setOverallCode(RateLimitResponse.Code.OVER_LIMIT)
        .addStatuses(perMinute).addStatuses(perHour)
        .addResponseHeadersToAdd(HeaderValue.newBuilder().setKey("x-from-rls").setValue("over")).build());
    publish(withFilter(filter(true).setEnableXRatelimitHeaders(
            io.envoyproxy.envoy.extensions.filters.http.ratelimit.v3.RateLimit.XRateLimitHeadersRFCVersion.DRAFT_VERSION_03)
        .build()), routes(FQDN, 9080, route("", limit(pathAction()))));
    connect();
    try (Response r = http.newCall(new Request.Builder().url("http://reviews:9080/").build()).execute()) {
      Map<String, String> h = new LinkedHashMap<>();
      for (String name : List.of("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "x-from-rls",
          "x-envoy-ratelimited")) {
        h.put(name, r.header(name));
      }
      assertThat(r.code()).isEqualTo(429);
      assertThat(h).containsExactly(Map.entry("x-ratelimit-limit", "10, 10;w=60;name=\"per-path\", 1000;w=3600"),
          Map.entry("x-ratelimit-remaining", "0"), Map.entry("x-ratelimit-reset", "42"),
          Map.entry("x-from-rls", "over"), Map.entry("x-envoy-ratelimited", "true"));
    }
  }

  @Test
  void theServicesRequestHeadersAreAddedToAnAllowedRequest() throws Exception {
    rls.answer(r -> RateLimitResponse.newBuilder().setOverallCode(RateLimitResponse.Code.OK)
        .addRequestHeadersToAdd(HeaderValue.newBuilder().setKey("x-rls-checked").setValue("yes")).build());
    publish(withFilter(filter(true).build()), routes(FQDN, 9080, route("", limit(pathAction()))));
    connect();
    assertThat(call("/")).isEqualTo("200");
    assertThat(server.requests()).extracting(h -> h.get("x-rls-checked")).containsExactly("yes");
  }

  private String grpcCall() {
    return GrpcOutcomes.unary(mesh, "reviews:9080");
  }

  @Test
  void grpcCallsGetTheServicesDecisionsWithoutBlockingTheirTransport() throws Exception {
    try (ScriptedGrpcServer grpc = new ScriptedGrpcServer("g")) {
      RouteConfiguration rc = routes(FQDN, 9080, route("", limit(pathAction())));
      publish(withFilter(filter(true).setRateLimitedAsResourceExhausted(true).build()), rc, grpc.port(), rls.port());
      connect();
      assertThat(grpcCall()).isEqualTo("OK");
      rls.answer(r -> code(RateLimitResponse.Code.OVER_LIMIT));
      assertThat(grpcCall()).isEqualTo("RESOURCE_EXHAUSTED [RL]");
      assertThat(descriptors(rls.requests().get(0))).containsExactly("PATH=/test.Echo/Unary");
      publish(withFilter(filter(true).build()), rc, grpc.port(), closedPort());
      awaitAcked();
      assertThat(grpcCall()).as("500 maps to UNKNOWN (gRPC's HTTP-to-gRPC table)").isEqualTo("UNKNOWN [RLSE]");
      assertThat(grpc.calls()).isEqualTo(1);
    }
  }

  @Test
  void withoutTheFilterOnTheListenerRouteRateLimitsSendNothing() throws Exception {
    publish(listener(FQDN, 9080), routes(FQDN, 9080, route("", limit(pathAction()))));
    connect();
    assertThat(call("/")).isEqualTo("200");
    assertThat(rls.requests()).isEmpty();
  }

  @Test
  void anUnsupportedActionIsNackedByNameAndTheLastGoodConfigKeepsServing() throws Exception {
    publish(withFilter(filter(true).build()), routes(FQDN, 9080, route("", limit(pathAction()))));
    connect();
    RateLimit.Action masked = RateLimit.Action.newBuilder()
        .setMaskedRemoteAddress(RateLimit.Action.MaskedRemoteAddress.getDefaultInstance()).build();
    publish(withFilter(filter(true).build()), routes(FQDN, 9080, route("", limit(masked))));
    await().atMost(Duration.ofSeconds(10)).until(() -> xds.requests().stream()
        .anyMatch(r -> r.hasErrorDetail() && r.getErrorDetail().getMessage().contains("masked_remote_address")));
    assertThat(xds.requests().stream().filter(r -> r.hasErrorDetail()).map(r -> r.getErrorDetail().getMessage()))
        .anyMatch(m -> m.contains("route.rate_limits[0].actions[0].masked_remote_address"));
    assertThat(call("/x")).isEqualTo("200");
    assertThat(descriptors(rls.requests().get(rls.requests().size() - 1))).containsExactly("PATH=/x");
  }

  private void awaitAcked() {
    await().atMost(Duration.ofSeconds(10)).until(() -> ("v" + version).equals(mesh.status().versionOf(TypeUrls.LISTENER))
        && ("v" + version).equals(mesh.status().versionOf(TypeUrls.ROUTE_CONFIGURATION)));
  }
}
