package io.bowline.runtime.xds;

import static io.bowline.runtime.testing.EnvoyResources.clusterName;
import static io.bowline.runtime.testing.EnvoyResources.listener;
import static io.bowline.runtime.xds.ScriptedAdsServer.any;
import static io.bowline.runtime.xds.ScriptedAdsServer.garbage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bowline.api.ClientStatus;
import io.bowline.api.Workload;
import io.bowline.runtime.bootstrap.ServerInfo;
import io.bowline.runtime.xds.resource.TypeUrls;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Incremental ADS against a scripted server: subscribe, ACK/NACK by nonce, removed_resources. */
class XdsDeltaProtocolTest {
  private static final String A = "a.default.svc.cluster.local";
  private static final String B = "b.default.svc.cluster.local";

  private static Resource resource(String name, String version, com.google.protobuf.Message m) {
    return Resource.newBuilder().setName(name).setVersion(version).setResource(any(m)).build();
  }

  @Test
  void subscribesAcksRemovesAndNacksByNonce() throws Exception {
    AtomicReference<XdsResources> latest = new AtomicReference<>();
    try (ScriptedAdsServer server = new ScriptedAdsServer();
        XdsClient client = new XdsClient(new XdsClientConfig(
            List.of(new ServerInfo(server.address(), "insecure", Set.of(ServerInfo.DELTA_ADS))),
            NodeFactory.forWorkload(new Workload("w", "default", Map.of()), "cluster.local"),
            Duration.ofSeconds(15), false))) {
      client.watch(latest::set);
      client.start();
      server.awaitDeltaStream();

      DeltaDiscoveryRequest lds = server.nextDelta(TypeUrls.LISTENER);
      assertThat(lds.hasNode()).isTrue();
      assertThat(lds.getResourceNamesSubscribeList()).as("wildcard").isEmpty();
      assertThat(lds.getResponseNonce()).isEmpty();

      server.sendDelta(DeltaDiscoveryResponse.newBuilder().setTypeUrl(TypeUrls.LISTENER).setNonce("d1")
          .setSystemVersionInfo("s1")
          .addResources(resource(A + ":80", "a1", listener(A, 80)))
          .addResources(resource(B + ":80", "b1", listener(B, 80)))
          .build());
      DeltaDiscoveryRequest ack = server.nextDelta(TypeUrls.LISTENER);
      assertThat(ack.getResponseNonce()).isEqualTo("d1");
      assertThat(ack.hasErrorDetail()).isFalse();
      assertThat(server.nextDelta(TypeUrls.ROUTE_CONFIGURATION).getResourceNamesSubscribeList())
          .containsExactly(clusterName(80, "", A), clusterName(80, "", B));
      await().untilAsserted(() -> assertThat(client.status().resources())
          .filteredOn(r -> r.name().equals(A + ":80")).singleElement()
          .satisfies(r -> assertThat(r.version()).as("per-resource version").isEqualTo("a1")));

      server.sendDelta(DeltaDiscoveryResponse.newBuilder().setTypeUrl(TypeUrls.LISTENER).setNonce("d2")
          .addRemovedResources(B + ":80").build());
      assertThat(server.nextDelta(TypeUrls.LISTENER).getResponseNonce()).isEqualTo("d2");
      DeltaDiscoveryRequest unsubscribe = server.nextDelta(TypeUrls.ROUTE_CONFIGURATION);
      assertThat(unsubscribe.getResourceNamesUnsubscribeList()).containsExactly(clusterName(80, "", B));
      assertThat(unsubscribe.getResourceNamesSubscribeList()).isEmpty();
      await().untilAsserted(() -> assertThat(latest.get().listeners()).containsOnlyKeys(A + ":80"));
      assertThat(client.status().resources()).filteredOn(r -> r.name().equals(B + ":80")).singleElement()
          .satisfies(r -> assertThat(r.state()).isEqualTo(ClientStatus.State.DOES_NOT_EXIST));

      server.sendDelta(DeltaDiscoveryResponse.newBuilder().setTypeUrl(TypeUrls.CLUSTER).setNonce("d3")
          .addResources(Resource.newBuilder().setName("c").setVersion("c1").setResource(garbage(TypeUrls.CLUSTER)))
          .build());
      DeltaDiscoveryRequest nack = server.nextDelta(TypeUrls.CLUSTER);
      while (nack.getResponseNonce().isEmpty()) {
        nack = server.nextDelta(TypeUrls.CLUSTER);
      }
      assertThat(nack.getResponseNonce()).isEqualTo("d3");
      assertThat(nack.getErrorDetail().getCode()).isEqualTo(3);
      assertThat(nack.getErrorDetail().getMessage()).contains("Cluster resources[0] 'c': cannot decode");
    }
  }
}
