package io.bowline.controlplane.translate;

import static io.bowline.controlplane.translate.XdsAssertions.cluster;
import static io.bowline.controlplane.translate.XdsAssertions.endpoints;
import static io.bowline.controlplane.translate.XdsAssertions.errors;
import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.controlplane.Diagnostic;
import io.bowline.controlplane.TestConfigs;
import io.bowline.controlplane.istio.IstioConfigLoader;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spec §7 Istio → Envoy: {@code localityLbSetting.failoverPriority} (label-based priorities relative to the
 * client) and {@code warmup} / {@code warmupDurationSecs} (slow start), as istiod writes them.
 */
class FailoverPriorityAndWarmupTest {
  private static final String CLUSTER = "outbound|8080||echo.default.svc.cluster.local";

  @TempDir
  Path dir;

  @BeforeEach
  void service() {
    TestConfigs.write(dir, "00-echo.yaml", """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: echo}
        spec:
          hosts: [echo.default.svc.cluster.local]
          ports: [{number: 8080, name: http}]
          resolution: STATIC
          endpoints:
          - {address: 10.0.0.1, labels: {env: prod, rack: r1}, locality: us-east/zone-a}
          - {address: 10.0.0.2, labels: {env: prod, rack: r2}, locality: us-east/zone-a}
          - {address: 10.0.0.3, labels: {env: test, rack: r1}, locality: us-east/zone-b}
          - {address: 10.0.0.4, labels: {env: prod, rack: r1}, locality: us-west/zone-c}
        """);
  }

  private XdsResources translate(String loadBalancer, boolean outlierDetection, ClientView client) {
    TestConfigs.write(dir, "10-dr.yaml", """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: {name: echo}
        spec:
          host: echo.default.svc.cluster.local
          trafficPolicy:
            loadBalancer: %s
            %s
        """.formatted(loadBalancer, outlierDetection ? "outlierDetection: {consecutive5xxErrors: 5}" : ""));
    return new XdsTranslator().translate(IstioConfigLoader.load(dir), client);
  }

  /** Endpoint address → priority. */
  private static Map<String, Integer> priorities(ClusterLoadAssignment assignment) {
    Map<String, Integer> priorities = new TreeMap<>();
    for (LocalityLbEndpoints group : assignment.getEndpointsList()) {
      group.getLbEndpointsList().forEach(e ->
          priorities.put(e.getEndpoint().getAddress().getSocketAddress().getAddress(), group.getPriority()));
    }
    return priorities;
  }

  @Test
  void endpointsMatchingMoreLeadingLabelsOfTheClientGetHigherPriority() {
    ClientView client = new ClientView("default", Map.of("env", "prod", "rack", "r1"), "us-east/zone-a");
    XdsResources resources = translate("{localityLbSetting: {failoverPriority: [env, rack]}}", true, client);
    assertThat(errors(resources)).isEmpty();
    ClusterLoadAssignment assignment = endpoints(resources, CLUSTER);
    assertThat(priorities(assignment)).containsExactlyInAnyOrderEntriesOf(
        Map.of("10.0.0.1", 0, "10.0.0.2", 1, "10.0.0.3", 2, "10.0.0.4", 0));
    // us-east/zone-a is split in two LocalityLbEndpoints (priority 0 and 1), each weighted by its endpoints
    assertThat(assignment.getEndpointsList()).filteredOn(g -> g.getLocality().getZone().equals("zone-a"))
        .extracting(g -> g.getPriority() + ":" + g.getLoadBalancingWeight().getValue())
        .containsExactly("0:1", "1:1");
  }

  @Test
  void withoutOutlierDetectionThereIsNoFailover() {
    ClientView client = new ClientView("default", Map.of("env", "prod", "rack", "r1"), "us-east/zone-a");
    XdsResources resources = translate("{localityLbSetting: {failoverPriority: [env, rack]}}", false, client);
    assertThat(priorities(endpoints(resources, CLUSTER)).values()).containsOnly(0);
  }

  @Test
  void labelEqualsValueComparesWithTheGivenValueAndTopologyLabelsComeFromTheLocality() {
    ClientView client = new ClientView("default", Map.of("env", "prod"), "us-east/zone-b");
    XdsResources overridden = translate("{localityLbSetting: {failoverPriority: [env=test]}}", true, client);
    assertThat(priorities(endpoints(overridden, CLUSTER))).containsExactlyInAnyOrderEntriesOf(
        Map.of("10.0.0.1", 1, "10.0.0.2", 1, "10.0.0.3", 0, "10.0.0.4", 1));

    XdsResources topology = translate("{localityLbSetting: {failoverPriority: "
        + "[topology.kubernetes.io/region, topology.kubernetes.io/zone]}}", true, client);
    assertThat(priorities(endpoints(topology, CLUSTER))).containsExactlyInAnyOrderEntriesOf(
        Map.of("10.0.0.1", 1, "10.0.0.2", 1, "10.0.0.3", 0, "10.0.0.4", 2));
  }

  @Test
  void failoverRulesApplyWithinEachFailoverPriorityLevel() {
    ClientView client = new ClientView("default", Map.of("env", "prod"), "us-east/zone-a");
    XdsResources resources = translate(
        "{localityLbSetting: {failoverPriority: [env], failover: [{from: us-east, to: us-west}]}}", true, client);
    // env=prod: 10.0.0.1/.2 (same zone) before 10.0.0.4 (other region); then env=test: 10.0.0.3
    assertThat(priorities(endpoints(resources, CLUSTER))).containsExactlyInAnyOrderEntriesOf(
        Map.of("10.0.0.1", 0, "10.0.0.2", 0, "10.0.0.4", 1, "10.0.0.3", 2));
  }

  @Test
  void warmupDurationSecsIsTheSlowStartWindowOfRoundRobin() {
    Cluster cluster = cluster(translate("{simple: ROUND_ROBIN, warmupDurationSecs: 30s}", false, ClientView.DEFAULT),
        CLUSTER);
    assertThat(cluster.getLbPolicy()).isEqualTo(Cluster.LbPolicy.ROUND_ROBIN);
    Cluster.SlowStartConfig slowStart = cluster.getRoundRobinLbConfig().getSlowStartConfig();
    assertThat(slowStart.getSlowStartWindow().getSeconds()).isEqualTo(30);
    assertThat(slowStart.hasAggression()).isFalse();
    assertThat(slowStart.hasMinWeightPercent()).isFalse();
  }

  @Test
  void warmupSetsWindowAggressionAndMinimumPercentOfLeastRequest() {
    Cluster cluster = cluster(translate("{warmup: {duration: 1m, aggression: 2}}", false, ClientView.DEFAULT),
        CLUSTER);
    assertThat(cluster.getLbPolicy()).isEqualTo(Cluster.LbPolicy.LEAST_REQUEST);
    Cluster.SlowStartConfig slowStart = cluster.getLeastRequestLbConfig().getSlowStartConfig();
    assertThat(slowStart.getSlowStartWindow().getSeconds()).isEqualTo(60);
    assertThat(slowStart.getAggression().getDefaultValue()).isEqualTo(2.0);
    assertThat(slowStart.getMinWeightPercent().getValue()).isEqualTo(10.0);
  }

  @Test
  void warmupWithConsistentHashIsReportedAndIgnored() {
    XdsResources resources = translate(
        "{consistentHash: {httpHeaderName: x-user}, warmupDurationSecs: 10s}", false, ClientView.DEFAULT);
    assertThat(cluster(resources, CLUSTER).hasRingHashLbConfig()).isTrue();
    assertThat(resources.diagnostics()).extracting(Diagnostic::toString)
        .anyMatch(d -> d.contains("warmupDurationSecs") && d.contains("ROUND_ROBIN and LEAST_REQUEST"));
  }
}
