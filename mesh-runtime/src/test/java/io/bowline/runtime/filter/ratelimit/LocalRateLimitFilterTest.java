package io.bowline.runtime.filter.ratelimit;

import static io.bowline.runtime.testing.EnvoyResources.clusterName;
import static io.bowline.runtime.testing.EnvoyResources.edsCluster;
import static io.bowline.runtime.testing.EnvoyResources.endpoints;
import static io.bowline.runtime.testing.EnvoyResources.listener;
import static io.bowline.runtime.testing.EnvoyResources.prefix;
import static io.bowline.runtime.testing.EnvoyResources.routes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.Struct;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.util.Durations;
import com.google.protobuf.util.JsonFormat;
import io.bowline.api.MeshClient;
import io.bowline.runtime.adapter.okhttp.BowlineOkHttp;
import io.bowline.runtime.adapter.okhttp.MeshInterceptor;
import io.bowline.runtime.testing.GrpcOutcomes;
import io.bowline.runtime.testing.ScriptedGrpcServer;
import io.bowline.runtime.testing.ScriptedHttpServer;
import io.bowline.runtime.testing.XdsTestServer;
import io.bowline.runtime.xds.resource.TypeUrls;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RateLimit;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.LocalRateLimitDescriptor;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.envoyproxy.envoy.type.v3.TokenBucket;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code envoy.filters.http.local_ratelimit} over a real ADS stream, OkHttp and a real loopback
 * server: the listener's bucket, per-route and virtual-host overrides (Istio's rate-limit task shapes,
 * TypedStruct included), {@code filter_enforced}, and NACKs for what the client does not run.
 */
class LocalRateLimitFilterTest {
  private static final String FQDN = "reviews.default.svc.cluster.local";
  private static final String CLUSTER = clusterName(9080, "v1", FQDN);

  private XdsTestServer xds;
  private ScriptedHttpServer server;
  private MeshClient mesh;
  private OkHttpClient http;
  private int version;

  @BeforeEach
  void setUp() throws Exception {
    xds = new XdsTestServer();
    server = new ScriptedHttpServer("v1");
  }

  @AfterEach
  void tearDown() throws Exception {
    if (mesh != null) {
      mesh.close();
    }
    server.close();
    xds.close();
  }

  static LocalRateLimit.Builder bucket(int maxTokens, int tokensPerFill, Duration interval) {
    FractionalPercent all = FractionalPercent.newBuilder().setNumerator(100)
        .setDenominator(FractionalPercent.DenominatorType.HUNDRED).build();
    return LocalRateLimit.newBuilder().setStatPrefix("http_local_rate_limiter")
        .setTokenBucket(TokenBucket.newBuilder().setMaxTokens(maxTokens)
            .setTokensPerFill(UInt32Value.of(tokensPerFill)).setFillInterval(Durations.fromMillis(interval.toMillis())))
        .setFilterEnabled(RuntimeFractionalPercent.newBuilder().setRuntimeKey("local_rate_limit_enabled").setDefaultValue(all))
        .setFilterEnforced(RuntimeFractionalPercent.newBuilder().setRuntimeKey("local_rate_limit_enforced").setDefaultValue(all));
  }

  private static HeaderValueOption header(String key, String value) {
    return HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder().setKey(key).setValue(value))
        .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD).build();
  }

  /** As Istio's task writes it: {@code udpa.type.v1.TypedStruct} around the config. */
  static Any typedStruct(LocalRateLimit config) throws IOException {
    Struct.Builder s = Struct.newBuilder();
    JsonFormat.parser().merge(JsonFormat.printer().print(config), s);
    return Any.pack(com.github.udpa.udpa.type.v1.TypedStruct.newBuilder()
        .setTypeUrl("type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit")
        .setValue(s).build());
  }

  /** istiod's listener with the local rate limit filter inserted first, as the task's HTTP_FILTER patch does. */
  private static Listener withFilter(Any config) throws IOException {
    Listener l = listener(FQDN, 9080);
    HttpConnectionManager hcm = l.getApiListener().getApiListener().unpack(HttpConnectionManager.class);
    List<HttpFilter> fs = new ArrayList<>(hcm.getHttpFiltersList());
    fs.add(0, HttpFilter.newBuilder().setName("envoy.filters.http.local_ratelimit").setTypedConfig(config).build());
    hcm = hcm.toBuilder().clearHttpFilters().addAllHttpFilters(fs).build();
    return l.toBuilder().setApiListener(l.getApiListener().toBuilder().setApiListener(Any.pack(hcm))).build();
  }

  private static Route route(String prefix, Any perRoute) {
    Route.Builder r = Route.newBuilder().setMatch(prefix(prefix)).setRoute(RouteAction.newBuilder().setCluster(CLUSTER));
    if (perRoute != null) {
      r.putTypedPerFilterConfig("envoy.filters.http.local_ratelimit", perRoute);
    }
    return r.build();
  }

  private void publish(Listener l, RouteConfiguration rc) {
    publish(l, rc, server.port());
  }

  private void publish(Listener l, RouteConfiguration rc, int port) {
    Cluster c = edsCluster(CLUSTER, Cluster.LbPolicy.ROUND_ROBIN);
    xds.set(Snapshot.create(List.of(c), List.of(endpoints(CLUSTER, port)), List.of(l), List.of(rc),
        List.of(), "v" + (++version)));
  }

  private void connect() throws Exception {
    mesh = MeshClient.builder().workload("productpage-v1", "default").xdsServer(xds.address()).build();
    mesh.awaitReady(Duration.ofSeconds(30));
    http = BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
  }

  private void awaitAcked() {
    await().atMost(Duration.ofSeconds(10)).until(() -> ("v" + version).equals(mesh.status().versionOf(TypeUrls.LISTENER))
        && ("v" + version).equals(mesh.status().versionOf(TypeUrls.ROUTE_CONFIGURATION)));
  }

  private String call(String path) throws IOException {
    try (Response r = http.newCall(new Request.Builder().url("http://reviews:9080" + path).build()).execute()) {
      String flags = r.header(MeshInterceptor.RESPONSE_FLAGS_HEADER);
      return r.code() + (flags == null ? "" : " [" + flags + "]");
    }
  }

  private List<String> calls(String path, int n) throws IOException {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(call(path));
    }
    return out;
  }

  @Test
  void aBucketOfNLetsNCallsPassAndAnswersTheRest429WithRlAndTheConfiguredHeaders() throws Exception {
    publish(withFilter(Any.pack(bucket(3, 3, Duration.ofHours(1))
        .addResponseHeadersToAdd(header("x-local-rate-limit", "true")).build())), routes(FQDN, 9080, route("", null)));
    connect();
    assertThat(calls("/ratings/0", 5)).containsExactly("200", "200", "200", "429 [RL]", "429 [RL]");
    assertThat(server.requestCount()).as("limited calls never reach the server").isEqualTo(3);
    try (Response r = http.newCall(new Request.Builder().url("http://reviews:9080/ratings/0").build()).execute()) {
      assertThat(r.code()).isEqualTo(429);
      assertThat(r.header("x-envoy-ratelimited")).isEqualTo("true");
      assertThat(r.header("x-local-rate-limit")).isEqualTo("true");
      assertThat(r.body().string()).isEqualTo("local_rate_limited");
    }
  }

  @Test
  void perRouteBucketsFromIstiosTaskOverrideTheListenersFilterThatConfiguresNoBucket() throws Exception {
    // the task's second shape: the HTTP_FILTER insert carries only stat_prefix; an HTTP_ROUTE patch
    // puts the bucket on the route, both as TypedStruct
    Any filter = typedStruct(LocalRateLimit.newBuilder().setStatPrefix("http_local_rate_limiter").build());
    RouteConfiguration rc = routes(FQDN, 9080, route("/limited", typedStruct(bucket(2, 2, Duration.ofHours(1)).build())),
        route("", null));
    publish(withFilter(filter), rc);
    connect();
    assertThat(calls("/limited", 3)).containsExactly("200", "200", "429 [RL]");
    assertThat(calls("/free", 4)).as("a route without a bucket of its own is not limited").containsOnly("200");
  }

  @Test
  void aRouteBucketReplacesTheListenersAndEachRouteHasItsOwn() throws Exception {
    RouteConfiguration rc = routes(FQDN, 9080,
        route("/a", Any.pack(bucket(1, 1, Duration.ofHours(1)).build())),
        route("/b", Any.pack(bucket(1, 1, Duration.ofHours(1)).build())),
        route("", null));
    publish(withFilter(Any.pack(bucket(2, 2, Duration.ofHours(1)).build())), rc);
    connect();
    assertThat(calls("/a", 2)).containsExactly("200", "429 [RL]");
    assertThat(calls("/b", 2)).as("the same config on another route is another bucket").containsExactly("200", "429 [RL]");
    assertThat(calls("/c", 3)).as("the listener's bucket").containsExactly("200", "200", "429 [RL]");
  }

  @Test
  void aVirtualHostBucketIsSharedByItsRoutes() throws Exception {
    RouteConfiguration rc = routes(FQDN, 9080, route("/a", null), route("", null));
    rc = rc.toBuilder().setVirtualHosts(0, rc.getVirtualHosts(0).toBuilder()
        .putTypedPerFilterConfig("envoy.filters.http.local_ratelimit", Any.pack(bucket(2, 2, Duration.ofHours(1)).build())))
        .build();
    publish(withFilter(Any.pack(LocalRateLimit.newBuilder().setStatPrefix("p").build())), rc);
    connect();
    assertThat(List.of(call("/a"), call("/b"), call("/a"), call("/b"))).containsExactly("200", "200", "429 [RL]", "429 [RL]");
  }

  @Test
  void aLimitedCallThatIsNotEnforcedGoesOnWithTheConfiguredRequestHeaders() throws Exception {
    LocalRateLimit shadow = bucket(1, 1, Duration.ofHours(1)).clearFilterEnforced()
        .addRequestHeadersToAddWhenNotEnforced(header("x-rate-limited", "shadow")).build();
    publish(withFilter(Any.pack(shadow)), routes(FQDN, 9080, route("", null)));
    connect();
    assertThat(calls("/", 3)).containsOnly("200");
    assertThat(server.requests()).extracting(h -> h.get("x-rate-limited")).containsExactly(null, "shadow", "shadow");
  }

  private String grpcCall() {
    return GrpcOutcomes.unary(mesh, "reviews:9080");
  }

  @Test
  void grpcCallsOverTheLimitGetTheMapped429OrResourceExhaustedWhenAsked() throws Exception {
    try (ScriptedGrpcServer grpc = new ScriptedGrpcServer("g")) {
      RouteConfiguration rc = routes(FQDN, 9080, route("", null));
      publish(withFilter(Any.pack(bucket(1, 1, Duration.ofHours(1)).build())), rc, grpc.port());
      connect();
      assertThat(List.of(grpcCall(), grpcCall())).as("429 maps to UNAVAILABLE (gRPC's HTTP-to-gRPC table)")
          .containsExactly("OK", "UNAVAILABLE [RL]");
      publish(withFilter(Any.pack(bucket(1, 1, Duration.ofHours(1)).setRateLimitedAsResourceExhausted(true).build())),
          rc, grpc.port());
      awaitAcked();
      assertThat(List.of(grpcCall(), grpcCall())).as("a changed config starts with a full bucket")
          .containsExactly("OK", "RESOURCE_EXHAUSTED [RL]");
      assertThat(grpc.calls()).isEqualTo(2);
    }
  }

  @Test
  void routeBucketsApplyOnlyWhileTheListenerHasTheFilter() throws Exception {
    RouteConfiguration rc = routes(FQDN, 9080, route("", Any.pack(bucket(1, 1, Duration.ofHours(1)).build())));
    publish(listener(FQDN, 9080), rc);
    connect();
    assertThat(calls("/", 3)).as("Envoy runs only the filters in http_filters").containsOnly("200");
  }

  @Test
  void aDescriptorWithoutEntriesIsNackedByNameAndTheLastGoodConfigKeepsServing() throws Exception {
    publish(withFilter(Any.pack(bucket(1, 1, Duration.ofHours(1)).build())), routes(FQDN, 9080, route("", null)));
    connect();
    assertThat(call("/")).isEqualTo("200");
    publish(withFilter(Any.pack(bucket(1, 1, Duration.ofHours(1))
        .addDescriptors(LocalRateLimitDescriptor.getDefaultInstance()).build())), routes(FQDN, 9080, route("", null)));
    await().atMost(Duration.ofSeconds(10)).until(() -> xds.requests().stream()
        .anyMatch(r -> r.hasErrorDetail() && r.getErrorDetail().getMessage().contains("descriptors")));
    assertThat(xds.requests().stream().filter(r -> r.hasErrorDetail()).map(r -> r.getErrorDetail().getMessage()))
        .anyMatch(m -> m.contains(FQDN + ":9080") && m.contains("http_filters[0].typed_config.descriptors"));
    assertThat(call("/")).as("the last good bucket, already empty").isEqualTo("429 [RL]");
  }

  private static LocalRateLimitDescriptor descriptor(String key, String value, int maxTokens) {
    return LocalRateLimitDescriptor.newBuilder()
        .addEntries(RateLimitDescriptor.Entry.newBuilder().setKey(key).setValue(value))
        .setTokenBucket(TokenBucket.newBuilder().setMaxTokens(maxTokens).setTokensPerFill(UInt32Value.of(maxTokens))
            .setFillInterval(Durations.fromSeconds(3600)))
        .build();
  }

  /** A route whose {@code rate_limits} make the descriptor {@code (PATH, <path>)} of every request. */
  private static Route pathDescriptorRoute(String prefix) {
    return Route.newBuilder().setMatch(prefix(prefix)).setRoute(RouteAction.newBuilder().setCluster(CLUSTER)
        .addRateLimits(RateLimit.newBuilder().addActions(RateLimit.Action.newBuilder().setRequestHeaders(
            RateLimit.Action.RequestHeaders.newBuilder().setHeaderName(":path").setDescriptorKey("PATH"))))).build();
  }

  @Test
  void aRequestWhoseDescriptorMatchesTakesATokenFromThatDescriptorsBucketAndTheDefaultOne() throws Exception {
    LocalRateLimit config = bucket(4, 4, Duration.ofHours(1)).addDescriptors(descriptor("PATH", "/limited", 1)).build();
    publish(withFilter(Any.pack(config)), routes(FQDN, 9080, pathDescriptorRoute("")));
    connect();
    assertThat(calls("/limited", 2)).as("the descriptor's bucket of 1").containsExactly("200", "429 [RL]");
    assertThat(calls("/free", 4)).as("always_consume_default_token_bucket: the allowed /limited took one of the 4, "
        + "the limited one none").containsExactly("200", "200", "200", "429 [RL]");
  }

  @Test
  void withoutAlwaysConsumeDefaultTokenBucketAMatchedDescriptorLeavesTheDefaultBucketAlone() throws Exception {
    LocalRateLimit config = bucket(1, 1, Duration.ofHours(1)).addDescriptors(descriptor("PATH", "/vip", 3))
        .setAlwaysConsumeDefaultTokenBucket(BoolValue.of(false)).build();
    publish(withFilter(Any.pack(config)), routes(FQDN, 9080, pathDescriptorRoute("")));
    connect();
    assertThat(calls("/vip", 4)).containsExactly("200", "200", "200", "429 [RL]");
    assertThat(calls("/other", 2)).as("the default bucket of 1, untouched by /vip").containsExactly("200", "429 [RL]");
  }

  @Test
  void istiosHeaderValueMatchDescriptorsLimitOnlyTheMatchingRequests() throws Exception {
    // the task's shape: descriptors in the HTTP_FILTER insert (TypedStruct), header_value_match
    // actions merged into the route by an HTTP_ROUTE patch
    LocalRateLimit config = bucket(100, 100, Duration.ofHours(1))
        .addDescriptors(descriptor("header_match", "Service[reviews]-User[jason]", 2)).build();
    Route route = Route.newBuilder().setMatch(prefix("")).setRoute(RouteAction.newBuilder().setCluster(CLUSTER)
        .addRateLimits(RateLimit.newBuilder().addActions(RateLimit.Action.newBuilder().setHeaderValueMatch(
            RateLimit.Action.HeaderValueMatch.newBuilder().setDescriptorValue("Service[reviews]-User[jason]")
                .addHeaders(io.envoyproxy.envoy.config.route.v3.HeaderMatcher.newBuilder().setName("end-user")
                    .setStringMatch(io.envoyproxy.envoy.type.matcher.v3.StringMatcher.newBuilder().setExact("jason")))))))
        .build();
    publish(withFilter(typedStruct(config)), routes(FQDN, 9080, route));
    connect();
    Request jason = new Request.Builder().url("http://reviews:9080/").header("end-user", "jason").build();
    List<String> out = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      try (Response r = http.newCall(jason).execute()) {
        out.add(String.valueOf(r.code()));
      }
    }
    assertThat(out).containsExactly("200", "200", "429");
    assertThat(calls("/", 3)).as("other users: the default bucket").containsOnly("200");
  }

  @Test
  void aDynamicDescriptorIsNackedByName() throws Exception {
    publish(withFilter(Any.pack(bucket(1, 1, Duration.ofHours(1)).addDescriptors(descriptor("PATH", "", 1)).build())),
        routes(FQDN, 9080, route("", null)));
    mesh = MeshClient.builder().workload("productpage-v1", "default").xdsServer(xds.address()).build();
    await().atMost(Duration.ofSeconds(10)).until(() -> xds.requests().stream()
        .anyMatch(r -> r.hasErrorDetail()
            && r.getErrorDetail().getMessage().contains("typed_config.descriptors[0].entries[0].value")));
  }

  @Test
  void aFillIntervalBelowEnvoysFloorIsNacked() throws Exception {
    publish(withFilter(Any.pack(bucket(1, 1, Duration.ofMillis(10)).build())), routes(FQDN, 9080, route("", null)));
    mesh = MeshClient.builder().workload("productpage-v1", "default").xdsServer(xds.address()).build();
    await().atMost(Duration.ofSeconds(10)).until(() -> xds.requests().stream()
        .anyMatch(r -> r.hasErrorDetail() && r.getErrorDetail().getMessage().contains("fill_interval")
            && r.getErrorDetail().getMessage().contains(">= 50ms")));
  }
}
