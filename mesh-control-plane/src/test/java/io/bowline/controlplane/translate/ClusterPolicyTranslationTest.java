package io.bowline.controlplane.translate;

import static io.bowline.controlplane.translate.XdsAssertions.cluster;
import static io.bowline.controlplane.translate.XdsAssertions.errors;
import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.controlplane.TestConfigs;
import io.bowline.controlplane.istio.IstioConfigLoader;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Spec §8, §9 Istio → Envoy: DestinationRule connectionPool (2^32−1 defaults) and outlierDetection. */
class ClusterPolicyTranslationTest {
  private static final String REVIEWS = "reviews.default.svc.cluster.local";

  private static XdsResources translate(Path dir, String yaml) {
    Path dr = TestConfigs.write(dir, "dr.yaml", yaml);
    return new XdsTranslator().translate(IstioConfigLoader.loadFiles(List.of(TestConfigs.bookinfoServices(), dr)));
  }

  @Test
  void connectionPoolStartsFromMaxUint32AndOverridesWhatIsSet(@TempDir Path dir) {
    XdsResources r = translate(dir, """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: reviews}
        spec:
          host: reviews
          trafficPolicy:
            connectionPool:
              tcp: {maxConnections: 1, connectTimeout: 30ms}
              http: {http1MaxPendingRequests: 1, maxRequestsPerConnection: 1}
          subsets:
          - name: v1
            labels: {version: v1}
        """);
    assertThat(errors(r)).isEmpty();
    for (String name : List.of("outbound|9080||" + REVIEWS, "outbound|9080|v1|" + REVIEWS)) {
      Cluster c = cluster(r, name);
      var t = c.getCircuitBreakers().getThresholds(0);
      assertThat(t.getMaxConnections().getValue()).isEqualTo(1);
      assertThat(t.getMaxPendingRequests().getValue()).isEqualTo(1);
      assertThat(Integer.toUnsignedLong(t.getMaxRequests().getValue())).isEqualTo(4_294_967_295L);
      assertThat(Integer.toUnsignedLong(t.getMaxRetries().getValue())).isEqualTo(4_294_967_295L);
      assertThat(c.getConnectTimeout().getNanos()).isEqualTo(30_000_000);
      assertThat(c.getCommonHttpProtocolOptions().getMaxRequestsPerConnection().getValue()).isEqualTo(1);
    }
    assertThat(cluster(r, "outbound|9080||ratings.default.svc.cluster.local").hasCircuitBreakers()).isFalse();
  }

  @Test
  void outlierDetectionIsWrittenAsIstiodDoesAndSubsetsOverrideIt(@TempDir Path dir) {
    XdsResources r = translate(dir, """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: reviews}
        spec:
          host: reviews
          trafficPolicy:
            outlierDetection: {consecutive5xxErrors: 7, interval: 5m, baseEjectionTime: 15m, maxEjectionPercent: 100}
          subsets:
          - name: v1
            labels: {version: v1}
            trafficPolicy:
              outlierDetection: {consecutive5xxErrors: 0, consecutiveGatewayErrors: 3}
        """);
    assertThat(errors(r)).isEmpty();
    var od = cluster(r, "outbound|9080||" + REVIEWS).getOutlierDetection();
    assertThat(od.getConsecutive5Xx().getValue()).isEqualTo(7);
    assertThat(od.getEnforcingConsecutive5Xx().getValue()).isEqualTo(100);
    assertThat(od.getEnforcingSuccessRate().getValue()).isZero();
    assertThat(od.getInterval().getSeconds()).isEqualTo(300);
    assertThat(od.getBaseEjectionTime().getSeconds()).isEqualTo(900);
    assertThat(od.getMaxEjectionPercent().getValue()).isEqualTo(100);
    assertThat(cluster(r, "outbound|9080||" + REVIEWS).getCommonLbConfig().getHealthyPanicThreshold().getValue()).isZero();

    var sub = cluster(r, "outbound|9080|v1|" + REVIEWS).getOutlierDetection();
    assertThat(sub.getEnforcingConsecutive5Xx().getValue()).isZero();
    assertThat(sub.getConsecutiveGatewayFailure().getValue()).isEqualTo(3);
    assertThat(sub.getEnforcingConsecutiveGatewayFailure().getValue()).isEqualTo(100);
  }
}
