package io.bowline.controlplane.translate;

import static io.bowline.controlplane.translate.XdsAssertions.errors;
import static io.bowline.controlplane.translate.XdsAssertions.routes;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import io.bowline.controlplane.TestConfigs;
import io.bowline.controlplane.istio.IstioConfigLoader;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Spec §3–§6 Istio → Envoy: VirtualService timeout, retries, fault and mirrors as istiod writes them. */
class HttpPolicyTranslationTest {
  private static final String RATINGS = "outbound|9080||ratings.default.svc.cluster.local";
  private static final String REVIEWS = "outbound|9080||reviews.default.svc.cluster.local";

  private static XdsResources translate(Path... files) {
    return new XdsTranslator().translate(IstioConfigLoader.loadFiles(List.of(files)));
  }

  private static XdsResources withBookinfo(String fixture) {
    return translate(TestConfigs.bookinfoServices(),
        TestConfigs.istioFixture("samples__bookinfo__networking__destination-rule-all.yaml"),
        TestConfigs.istioFixture(fixture));
  }

  private static HTTPFault fault(Route r) throws InvalidProtocolBufferException {
    return r.getTypedPerFilterConfigOrThrow(HttpPolicyTranslator.FAULT_FILTER).unpack(HTTPFault.class);
  }

  @Test
  void ratingsTestDelayIsASevenSecondDelayForJasonAtOneHundredPercent() throws Exception {
    XdsResources resources = withBookinfo("samples__bookinfo__networking__virtual-service-ratings-test-delay.yaml");
    assertThat(errors(resources)).isEmpty();
    List<Route> routes = routes(resources, RATINGS);
    HTTPFault f = fault(routes.get(0));
    assertThat(f.getDelay().getFixedDelay().getSeconds()).isEqualTo(7);
    assertThat(f.getDelay().getPercentage()).isEqualTo(FractionalPercent.newBuilder()
        .setNumerator(1_000_000).setDenominator(FractionalPercent.DenominatorType.MILLION).build());
    assertThat(f.hasAbort()).isFalse();
    assertThat(routes.get(1).getTypedPerFilterConfigMap()).isEmpty();
  }

  @Test
  void ratingsTestAbortIsA500ForJason() throws Exception {
    XdsResources resources = withBookinfo("samples__bookinfo__networking__virtual-service-ratings-test-abort.yaml");
    HTTPFault f = fault(routes(resources, RATINGS).get(0));
    assertThat(f.getAbort().getHttpStatus()).isEqualTo(500);
    assertThat(f.getAbort().getPercentage().getNumerator()).isEqualTo(1_000_000);
  }

  @Test
  void withoutRetriesIstiodsDefaultPolicyAndNoTimeout() {
    XdsResources resources = withBookinfo("samples__bookinfo__networking__virtual-service-ratings-test-delay.yaml");
    RouteConfiguration rc = XdsAssertions.routeConfiguration(resources, RATINGS);
    assertThat(rc.getVirtualHosts(0).getIncludeRequestAttemptCount()).isTrue();
    Route r = rc.getVirtualHosts(0).getRoutes(0);
    assertThat(r.getRoute().getTimeout().getSeconds()).isZero();
    assertThat(r.getRoute().getRetryPolicy().getRetryOn())
        .isEqualTo("connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes");
    assertThat(r.getRoute().getRetryPolicy().getNumRetries().getValue()).isEqualTo(2);
    assertThat(r.getRoute().getRetryPolicy().getHostSelectionRetryMaxAttempts()).isEqualTo(5);
    assertThat(r.getRoute().getRetryPolicy().getRetryHostPredicate(0).getName())
        .isEqualTo("envoy.retry_host_predicates.previous_hosts");
    Route byDefault = routes(resources, "outbound|9080||details.default.svc.cluster.local").get(0);
    assertThat(byDefault.getRoute().getRetryPolicy().getNumRetries().getValue()).isEqualTo(2);
  }

  @Test
  void timeoutRetriesAndMirrorsAreTranslated(@TempDir Path dir) {
    Path vs = TestConfigs.write(dir, "vs.yaml", """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {name: reviews}
        spec:
          hosts: [reviews]
          http:
          - timeout: 0.5s
            retries: {attempts: 3, perTryTimeout: 100ms, retryOn: "gateway-error,409,connect-failure", retryIgnorePreviousHosts: false}
            mirror: {host: reviews, subset: v2}
            mirrorPercentage: {value: 12.5}
            mirrors:
            - destination: {host: reviews, subset: v3}
            route:
            - destination: {host: reviews, subset: v1}
          - retries: {attempts: 0}
            route:
            - destination: {host: reviews, subset: v1}
        """);
    XdsResources resources = translate(TestConfigs.bookinfoServices(),
        TestConfigs.istioFixture("samples__bookinfo__networking__destination-rule-all.yaml"), vs);
    assertThat(errors(resources)).isEmpty();
    List<Route> routes = routes(resources, REVIEWS);
    var action = routes.get(0).getRoute();
    assertThat(action.getTimeout().getNanos()).isEqualTo(500_000_000);
    assertThat(action.getRetryPolicy().getNumRetries().getValue()).isEqualTo(3);
    assertThat(action.getRetryPolicy().getRetryOn()).isEqualTo("gateway-error,connect-failure,retriable-status-codes");
    assertThat(action.getRetryPolicy().getRetriableStatusCodesList()).containsExactly(409);
    assertThat(action.getRetryPolicy().getPerTryTimeout().getNanos()).isEqualTo(100_000_000);
    assertThat(action.getRetryPolicy().getRetryHostPredicateCount()).isZero();
    assertThat(action.getRequestMirrorPoliciesList()).extracting(m -> m.getCluster()).containsExactly(
        "outbound|9080|v2|reviews.default.svc.cluster.local", "outbound|9080|v3|reviews.default.svc.cluster.local");
    assertThat(action.getRequestMirrorPolicies(0).getRuntimeFraction().getDefaultValue().getNumerator()).isEqualTo(125_000);
    assertThat(action.getRequestMirrorPolicies(1).getRuntimeFraction().getDefaultValue().getNumerator()).isEqualTo(100);
    assertThat(action.getRequestMirrorPolicies(0).getDisableShadowHostSuffixAppend()).isTrue();
    assertThat(routes.get(0).getName()).isEmpty();
  }
}
