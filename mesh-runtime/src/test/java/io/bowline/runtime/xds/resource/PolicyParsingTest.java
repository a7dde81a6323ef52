package io.bowline.runtime.xds.resource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import io.bowline.api.config.CircuitBreakers;
import io.bowline.api.config.FractionalPercent;
import io.bowline.api.config.Route;
import io.bowline.api.config.RoutePolicies;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import org.junit.jupiter.api.Test;

/** Envoy defaults and validation of the resilience fields (spec §3–§6, §8, §9). */
class PolicyParsingTest {
  private static io.envoyproxy.envoy.config.route.v3.Route.Builder route(RouteAction.Builder a) {
    return io.envoyproxy.envoy.config.route.v3.Route.newBuilder()
        .setMatch(RouteMatch.newBuilder().setPrefix("/"))
        .setRoute(a.setCluster("c"));
  }

  private static RoutePolicies parse(io.envoyproxy.envoy.config.route.v3.Route.Builder r) throws ResourceException {
    VirtualHost vh = VirtualHost.newBuilder().setName("vh").addDomains("*").addRoutes(r).build();
    return RouteParser.virtualHost(vh, "virtual_hosts[0]").routes().get(0).policies();
  }

  @Test
  void unsetTimeoutIsFifteenSecondsAndZeroDisablesIt() throws Exception {
    assertThat(parse(route(RouteAction.newBuilder())).timeouts().timeout()).isEqualTo(java.time.Duration.ofSeconds(15));
    RoutePolicies zero = parse(route(RouteAction.newBuilder().setTimeout(Duration.getDefaultInstance())));
    assertThat(zero.timeouts().hasTimeout()).isFalse();
  }

  @Test
  void retryPolicyDefaultsToOneRetryAnd25msBackOff() throws Exception {
    RoutePolicies p = parse(route(RouteAction.newBuilder().setRetryPolicy(RetryPolicy.newBuilder().setRetryOn("5xx,reset"))));
    assertThat(p.retry().numRetries()).isEqualTo(1);
    assertThat(p.retry().baseInterval()).isEqualTo(java.time.Duration.ofMillis(25));
    assertThat(p.retry().maxInterval()).isEqualTo(java.time.Duration.ofMillis(250));
    assertThat(p.retry().hostSelectionRetryMaxAttempts()).isEqualTo(1);
    assertThat(p.retry().retryOn()).containsExactlyInAnyOrder("5xx", "reset");
  }

  @Test
  void routeLevelRetryPolicyWinsOverTheVirtualHosts() throws Exception {
    VirtualHost vh = VirtualHost.newBuilder().setName("vh").addDomains("*")
        .setRetryPolicy(RetryPolicy.newBuilder().setRetryOn("5xx").setNumRetries(UInt32Value.of(7)))
        .setIncludeRequestAttemptCount(true)
        .addRoutes(route(RouteAction.newBuilder().setRetryPolicy(RetryPolicy.newBuilder().setRetryOn("reset"))))
        .addRoutes(route(RouteAction.newBuilder()))
        .build();
    var routes = RouteParser.virtualHost(vh, "vh").routes();
    assertThat(routes.get(0).policies().retry().retryOn()).containsExactly("reset");
    assertThat(routes.get(1).policies().retry().numRetries()).isEqualTo(7);
    assertThat(routes.get(1).policies().includeAttemptCount()).isTrue();
  }

  @Test
  void unknownRetryOnTokenIsRejectedNamingTheField() {
    assertThatThrownBy(() -> parse(route(RouteAction.newBuilder().setRetryPolicy(RetryPolicy.newBuilder().setRetryOn("5xx,sometimes")))))
        .isInstanceOf(ResourceException.class)
        .hasMessageContaining("retry_policy.retry_on")
        .hasMessageContaining("sometimes");
  }

  @Test
  void mirrorWithoutFractionMirrorsEverything() throws Exception {
    RoutePolicies p = parse(route(RouteAction.newBuilder().addRequestMirrorPolicies(
        RouteAction.RequestMirrorPolicy.newBuilder().setCluster("shadow"))));
    assertThat(p.mirrors()).hasSize(1);
    assertThat(p.mirrors().get(0).fraction()).isEqualTo(FractionalPercent.ALWAYS);
    assertThat(p.mirrors().get(0).disableShadowHostSuffixAppend()).isFalse();
  }

  @Test
  void faultAbortWithBadStatusIsRejected() {
    HTTPFault bad = HTTPFault.newBuilder().setAbort(FaultAbort.newBuilder().setHttpStatus(99)).build();
    assertThatThrownBy(() -> parse(route(RouteAction.newBuilder()).putTypedPerFilterConfig("envoy.filters.http.fault", Any.pack(bad))))
        .isInstanceOf(ResourceException.class)
        .hasMessageContaining("abort.http_status");
  }

  @Test
  void faultWithoutPercentageNeverFires() throws Exception {
    HTTPFault f = HTTPFault.newBuilder().setAbort(FaultAbort.newBuilder().setHttpStatus(500)).build();
    RoutePolicies p = parse(route(RouteAction.newBuilder()).putTypedPerFilterConfig("envoy.filters.http.fault", Any.pack(f)));
    assertThat(p.fault().abort().percentage()).isEqualTo(FractionalPercent.NEVER);
  }

  @Test
  void clusterDefaultsAreEnvoysAndOutlierDetectionIsOnlyOnWhenPresent() throws Exception {
    Cluster c = Cluster.newBuilder().setName("c").setType(Cluster.DiscoveryType.STATIC)
        .setLoadAssignment(io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment.newBuilder().setClusterName("c"))
        .build();
    var parsed = new ClusterResourceType().parse(c);
    assertThat(parsed.resilience().circuitBreakers()).isEqualTo(CircuitBreakers.ENVOY_DEFAULT);
    assertThat(parsed.resilience().outlierDetection()).isNull();

    var od = new ClusterResourceType().parse(c.toBuilder().setOutlierDetection(OutlierDetection.getDefaultInstance()).build());
    assertThat(od.resilience().outlierDetection()).isEqualTo(io.bowline.api.config.OutlierDetection.ENVOY_DEFAULT);

    assertThatThrownBy(() -> new ClusterResourceType().parse(c.toBuilder().setOutlierDetection(
        OutlierDetection.newBuilder().setMaxEjectionPercent(UInt32Value.of(101))).build()))
        .hasMessageContaining("outlier_detection.max_ejection_percent");
  }

  @Test
  void routeWithoutPoliciesKeepsItsCompactConstructor() {
    Route r = new Route("r", new io.bowline.api.config.RouteMatch(new io.bowline.api.config.PathMatcher.Prefix("/"), true, java.util.List.of()),
        new io.bowline.api.config.RouteAction.ToCluster("c"));
    assertThat(r.policies()).isEqualTo(RoutePolicies.ENVOY_DEFAULT);
  }
}
