package io.bowline.runtime.xds.resource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.BoolValue;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.UInt64Value;
import io.bowline.api.config.FractionalPercent;
import io.bowline.api.config.HashPolicy;
import io.bowline.api.config.HeaderValueOption.AppendAction;
import io.bowline.api.config.Int64Range;
import io.bowline.api.config.LbPolicy;
import io.bowline.api.config.PathRewrite;
import io.bowline.api.config.RouteAction;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.v3.Int64Range.Builder;
import io.envoyproxy.envoy.type.v3.Percent;
import org.junit.jupiter.api.Test;

/** Envoy protos to the model: the fields issue 4 added, and readable NACKs naming the field. */
class RouteAndClusterParsingTest {
  private final RouteConfigurationResourceType rds = new RouteConfigurationResourceType();
  private final ClusterResourceType cds = new ClusterResourceType();

  private io.bowline.api.config.RouteConfiguration parse(Route route) throws ResourceException {
    return rds.parse(RouteConfiguration.newBuilder().setName("rc")
        .addVirtualHosts(VirtualHost.newBuilder().setName("vh").addDomains("*").addRoutes(route)
            .addRequestHeadersToAdd(HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder().setKey("x-vh").setValue("1"))))
        .setMostSpecificHeaderMutationsWins(true)
        .build());
  }

  @Test
  void matchersAndActionsParse() throws Exception {
    Builder range = io.envoyproxy.envoy.type.v3.Int64Range.newBuilder().setStart(1).setEnd(5);
    Route route = Route.newBuilder()
        .setMatch(RouteMatch.newBuilder().setPrefix("/a")
            .addQueryParameters(QueryParameterMatcher.newBuilder().setName("q").setStringMatch(StringMatcher.newBuilder().setExact("1")))
            .addQueryParameters(QueryParameterMatcher.newBuilder().setName("p").setPresentMatch(true))
            .setRuntimeFraction(RuntimeFractionalPercent.newBuilder().setDefaultValue(io.envoyproxy.envoy.type.v3.FractionalPercent.newBuilder()
                .setNumerator(25).setDenominator(io.envoyproxy.envoy.type.v3.FractionalPercent.DenominatorType.TEN_THOUSAND)))
            .setGrpc(RouteMatch.GrpcRouteMatchOptions.getDefaultInstance())
            .addHeaders(HeaderMatcher.newBuilder().setName("x-n").setRangeMatch(range)))
        .setRoute(io.envoyproxy.envoy.config.route.v3.RouteAction.newBuilder().setCluster("c").setPrefixRewrite("/b")
            .setHostRewriteLiteral("h")
            .addHashPolicy(io.envoyproxy.envoy.config.route.v3.RouteAction.HashPolicy.newBuilder().setTerminal(true)
                .setCookie(io.envoyproxy.envoy.config.route.v3.RouteAction.HashPolicy.Cookie.newBuilder().setName("sid"))))
        .addResponseHeadersToAdd(HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder().setKey("X-R").setValue("v"))
            .setAppend(BoolValue.of(false)))
        .build();
    var rc = parse(route);
    assertThat(rc.mostSpecificHeaderMutationsWins()).isTrue();
    var vh = rc.virtualHosts().get(0);
    assertThat(vh.headers().requestHeadersToAdd().get(0).appendAction()).isEqualTo(AppendAction.APPEND_IF_EXISTS_OR_ADD);
    var r = vh.routes().get(0);
    assertThat(r.match().queryParameters()).hasSize(2);
    assertThat(r.match().runtimeFraction()).isEqualTo(new FractionalPercent(25, 10_000));
    assertThat(r.match().grpc()).isTrue();
    assertThat(r.match().headers().get(0).rangeMatch()).isEqualTo(new Int64Range(1, 5));
    var action = (RouteAction.ToCluster) r.action();
    assertThat(action.options().pathRewrite()).isEqualTo(new PathRewrite.Prefix("/b"));
    assertThat(action.options().hostRewriteLiteral()).isEqualTo("h");
    assertThat(action.options().hashPolicies()).containsExactly(new HashPolicy(HashPolicy.Kind.COOKIE, "sid", true));
    assertThat(r.headers().responseHeadersToAdd().get(0).appendAction()).isEqualTo(AppendAction.OVERWRITE_IF_EXISTS_OR_ADD);
    assertThat(r.headers().responseHeadersToAdd().get(0).key()).isEqualTo("x-r");
  }

  @Test
  void redirectDefaultsTo301() throws Exception {
    var rc = parse(Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
        .setRedirect(RedirectAction.newBuilder().setHttpsRedirect(true).setStripQuery(true)).build());
    assertThat(rc.virtualHosts().get(0).routes().get(0).action())
        .isEqualTo(new RouteAction.Redirect("https", null, 0, null, null, 301, true));
  }

  @Test
  void badInputIsRejectedNamingTheField() {
    Route badRegex = Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
        .setRoute(io.envoyproxy.envoy.config.route.v3.RouteAction.newBuilder().setCluster("c")
            .setRegexRewrite(RegexMatchAndSubstitute.newBuilder().setPattern(RegexMatcher.newBuilder().setRegex("(")))).build();
    assertThatThrownBy(() -> parse(badRegex)).isInstanceOf(ResourceException.class)
        .hasMessageContaining("virtual_hosts[0].routes[0].route.regex_rewrite.pattern.regex");
    Route both = Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
        .setRoute(io.envoyproxy.envoy.config.route.v3.RouteAction.newBuilder().setCluster("c"))
        .addRequestHeadersToAdd(HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder().setKey("x").setValue("1"))
            .setAppend(BoolValue.of(true)).setAppendAction(HeaderValueOption.HeaderAppendAction.ADD_IF_ABSENT)).build();
    assertThatThrownBy(() -> parse(both)).hasMessageContaining("routes[0].request_headers_to_add[0]").hasMessageContaining("mutually exclusive");
    Route host = Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
        .setRoute(io.envoyproxy.envoy.config.route.v3.RouteAction.newBuilder().setCluster("c"))
        .addRequestHeadersToAdd(HeaderValueOption.newBuilder().setHeader(HeaderValue.newBuilder().setKey(":authority").setValue("1"))).build();
    assertThatThrownBy(() -> parse(host)).hasMessageContaining("request_headers_to_add[0].header.key");
  }

  private static Cluster.Builder staticCluster(Cluster.LbPolicy policy) {
    return Cluster.newBuilder().setName("c").setType(Cluster.DiscoveryType.STATIC).setLbPolicy(policy)
        .setLoadAssignment(ClusterLoadAssignment.newBuilder().setClusterName("c"));
  }

  @Test
  void lbSettingsParse() throws Exception {
    var c = cds.parse(staticCluster(Cluster.LbPolicy.RING_HASH)
        .setRingHashLbConfig(Cluster.RingHashLbConfig.newBuilder().setMinimumRingSize(UInt64Value.of(64)).setMaximumRingSize(UInt64Value.of(128)))
        .setCommonLbConfig(Cluster.CommonLbConfig.newBuilder().setHealthyPanicThreshold(Percent.newBuilder().setValue(0))
            .setLocalityWeightedLbConfig(Cluster.CommonLbConfig.LocalityWeightedLbConfig.getDefaultInstance()))
        .build());
    assertThat(c.lbPolicy()).isEqualTo(LbPolicy.RING_HASH);
    assertThat(c.lbConfig().minimumRingSize()).isEqualTo(64);
    assertThat(c.lbConfig().maximumRingSize()).isEqualTo(128);
    assertThat(c.lbConfig().healthyPanicThreshold()).isZero();
    assertThat(c.lbConfig().localityWeighted()).isTrue();
    var lr = cds.parse(staticCluster(Cluster.LbPolicy.LEAST_REQUEST)
        .setLeastRequestLbConfig(Cluster.LeastRequestLbConfig.newBuilder().setChoiceCount(UInt32Value.of(3))).build());
    assertThat(lr.lbConfig().choiceCount()).isEqualTo(3);
    assertThat(cds.parse(staticCluster(Cluster.LbPolicy.MAGLEV).build()).lbConfig().maglevTableSize()).isEqualTo(65_537);
    assertThat(cds.parse(staticCluster(Cluster.LbPolicy.MAGLEV).build()).lbConfig().useHostnameForHashing()).isFalse();
    var byHostname = cds.parse(staticCluster(Cluster.LbPolicy.MAGLEV)
        .setCommonLbConfig(Cluster.CommonLbConfig.newBuilder().setConsistentHashingLbConfig(
            Cluster.CommonLbConfig.ConsistentHashingLbConfig.newBuilder().setUseHostnameForHashing(true)))
        .build());
    assertThat(byHostname.lbConfig().useHostnameForHashing()).isTrue();
  }

  @Test
  void boundedLoadHashingIsRejectedByName() {
    assertThatThrownBy(() -> cds.parse(staticCluster(Cluster.LbPolicy.RING_HASH)
        .setCommonLbConfig(Cluster.CommonLbConfig.newBuilder().setConsistentHashingLbConfig(
            Cluster.CommonLbConfig.ConsistentHashingLbConfig.newBuilder().setHashBalanceFactor(UInt32Value.of(200))))
        .build()))
        .hasMessageContaining("common_lb_config.consistent_hashing_lb_config.hash_balance_factor");
  }

  @Test
  void badLbSettingsAreRejected() {
    assertThatThrownBy(() -> cds.parse(staticCluster(Cluster.LbPolicy.MAGLEV)
        .setMaglevLbConfig(Cluster.MaglevLbConfig.newBuilder().setTableSize(UInt64Value.of(65_536))).build()))
        .hasMessageContaining("maglev_lb_config.table_size");
    assertThatThrownBy(() -> cds.parse(staticCluster(Cluster.LbPolicy.RING_HASH)
        .setRingHashLbConfig(Cluster.RingHashLbConfig.newBuilder().setMinimumRingSize(UInt64Value.of(10)).setMaximumRingSize(UInt64Value.of(5))).build()))
        .hasMessageContaining("ring_hash_lb_config");
    assertThatThrownBy(() -> cds.parse(staticCluster(Cluster.LbPolicy.LEAST_REQUEST)
        .setLeastRequestLbConfig(Cluster.LeastRequestLbConfig.newBuilder().setChoiceCount(UInt32Value.of(1))).build()))
        .hasMessageContaining("least_request_lb_config.choice_count");
  }
  @Test
  void autoHostRewriteAndEndpointHostnameParse() throws Exception {
    var on = parse(Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
        .setRoute(io.envoyproxy.envoy.config.route.v3.RouteAction.newBuilder().setCluster("c")
            .setAutoHostRewrite(BoolValue.of(true)).setAppendXForwardedHost(true)).build());
    var options = ((RouteAction.ToCluster) on.virtualHosts().get(0).routes().get(0).action()).options();
    assertThat(options.hostRewrite()).isEqualTo(RouteAction.HostRewrite.Auto.INSTANCE);
    assertThat(options.appendXForwardedHost()).isTrue();
    var off = parse(Route.newBuilder().setMatch(RouteMatch.newBuilder().setPrefix("/"))
        .setRoute(io.envoyproxy.envoy.config.route.v3.RouteAction.newBuilder().setCluster("c")
            .setAutoHostRewrite(BoolValue.of(false))).build());
    assertThat(((RouteAction.ToCluster) off.virtualHosts().get(0).routes().get(0).action()).options().hostRewrite()).isNull();

    var cla = EndpointResourceType.convert(ClusterLoadAssignment.newBuilder().setClusterName("c")
        .addEndpoints(io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints.newBuilder()
            .addLbEndpoints(lbEndpoint("10.0.0.1", "one.example"))
            .addLbEndpoints(lbEndpoint("10.0.0.2", "")))
        .build());
    assertThat(cla.localities().get(0).endpoints()).extracting(io.bowline.api.config.Endpoint::hostname)
        .containsExactly("one.example", "");
  }

  @Test
  void envoyLbHashKeyMetadataIsRead() throws Exception {
    var keyed = lbEndpoint("10.0.0.1", "").toBuilder().setMetadata(io.envoyproxy.envoy.config.core.v3.Metadata.newBuilder()
        .putFilterMetadata("envoy.lb", com.google.protobuf.Struct.newBuilder()
            .putFields("hash_key", com.google.protobuf.Value.newBuilder().setStringValue("blue").build()).build()));
    var notAString = lbEndpoint("10.0.0.2", "").toBuilder().setMetadata(io.envoyproxy.envoy.config.core.v3.Metadata.newBuilder()
        .putFilterMetadata("envoy.lb", com.google.protobuf.Struct.newBuilder()
            .putFields("hash_key", com.google.protobuf.Value.newBuilder().setNumberValue(7).build()).build()));
    var cla = EndpointResourceType.convert(ClusterLoadAssignment.newBuilder().setClusterName("c")
        .addEndpoints(io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints.newBuilder()
            .addLbEndpoints(keyed).addLbEndpoints(notAString).addLbEndpoints(lbEndpoint("10.0.0.3", "")))
        .build());
    assertThat(cla.localities().get(0).endpoints()).extracting(io.bowline.api.config.Endpoint::hashKey)
        .containsExactly("blue", "", "");
  }

  private static io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint lbEndpoint(String ip, String hostname) {
    return io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint.newBuilder()
        .setEndpoint(io.envoyproxy.envoy.config.endpoint.v3.Endpoint.newBuilder().setHostname(hostname)
            .setAddress(io.envoyproxy.envoy.config.core.v3.Address.newBuilder().setSocketAddress(
                io.envoyproxy.envoy.config.core.v3.SocketAddress.newBuilder().setAddress(ip).setPortValue(80))))
        .build();
  }
}
