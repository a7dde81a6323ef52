package io.bowline.runtime.xds;

import static io.bowline.runtime.testing.EnvoyResources.clusterName;
import static io.bowline.runtime.testing.EnvoyResources.edsCluster;
import static io.bowline.runtime.testing.EnvoyResources.endpoints;
import static io.bowline.runtime.testing.EnvoyResources.listener;
import static io.bowline.runtime.testing.EnvoyResources.prefix;
import static io.bowline.runtime.testing.EnvoyResources.routes;
import static io.bowline.runtime.testing.EnvoyResources.toCluster;
import static io.bowline.runtime.xds.ScriptedAdsServer.any;
import static io.bowline.runtime.xds.ScriptedAdsServer.garbage;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.bowline.api.ClientStatus;
import io.bowline.api.Workload;
import io.bowline.runtime.bootstrap.ServerInfo;
import io.bowline.runtime.xds.resource.TypeUrls;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The SotW ADS protocol as semantics.md §14 states it, against a server the test scripts by hand
 * (ACK/NACK contents, per-resource validation, removal rules, does-not-exist, A53, reconnect).
 */
class XdsProtocolTest {
  private static final String LDS = TypeUrls.LISTENER;
  private static final String RDS = TypeUrls.ROUTE_CONFIGURATION;
  private static final String CDS = TypeUrls.CLUSTER;
  private static final String EDS = TypeUrls.CLUSTER_LOAD_ASSIGNMENT;
  private static final String A = "a.default.svc.cluster.local";
  private static final String B = "b.default.svc.cluster.local";

  private ScriptedAdsServer server;
  private XdsClient client;
  private final AtomicReference<XdsResources> latest = new AtomicReference<>();

  @BeforeEach
  void start() throws Exception {
    server = new ScriptedAdsServer();
  }

  @AfterEach
  void stop() throws Exception {
    if (client != null) {
      client.close();
    }
    server.close();
  }

  private void connect(Duration initialFetchTimeout, String... features) throws InterruptedException {
    client = new XdsClient(new XdsClientConfig(
        List.of(new ServerInfo(server.address(), "insecure", Set.of(features))),
        NodeFactory.forWorkload(new Workload("w", "default", Map.of()), "cluster.local"),
        initialFetchTimeout, false));
    client.watch(latest::set);
    client.start();
    server.awaitStream();
  }

  private void connect() throws InterruptedException {
    connect(Duration.ofSeconds(15));
  }

  private ClientStatus.Resource statusOf(String typeUrl, String name) {
    return client.status().resources().stream()
        .filter(r -> r.typeUrl().equals(typeUrl) && r.name().equals(name))
        .findFirst().orElse(null);
  }

  @Test
  void firstRequestsCarryTheNodeOnceAndSubscribeToListenersAndClustersByWildcard() throws Exception {
    connect();
    DiscoveryRequest lds = server.next(LDS);
    DiscoveryRequest cds = server.next(CDS);
    assertThat(lds.hasNode()).isTrue();
    assertThat(lds.getNode().getId()).startsWith("sidecar~");
    assertThat(cds.hasNode()).as("node only on the first request of a stream").isFalse();
    for (DiscoveryRequest r : List.of(lds, cds)) {
      assertThat(r.getResourceNamesList()).as("legacy wildcard").isEmpty();
      assertThat(r.getVersionInfo()).isEmpty();
      assertThat(r.getResponseNonce()).isEmpty();
      assertThat(r.hasErrorDetail()).isFalse();
    }
  }

  @Test
  void ackEchoesVersionAndNonceAndThenAsksForTheRoutesTheListenersName() throws Exception {
    connect();
    server.next(LDS);
    server.send(LDS, "1", "n1", any(listener(A, 80)));
    DiscoveryRequest ack = server.next(LDS);
    assertThat(ack.getVersionInfo()).isEqualTo("1");
    assertThat(ack.getResponseNonce()).isEqualTo("n1");
    assertThat(ack.hasErrorDetail()).isFalse();
    DiscoveryRequest rds = server.next(RDS);
    assertThat(rds.getResourceNamesList()).containsExactly(clusterName(80, "", A));
    assertThat(rds.getVersionInfo()).isEmpty();
  }

  @Test
  void nackCarriesThePreviousVersionTheNewNonceAndNamesResourceAndField() throws Exception {
    connect();
    server.next(CDS);
    String good = clusterName(80, "", A);
    server.send(CDS, "1", "n1", any(edsCluster(good, Cluster.LbPolicy.ROUND_ROBIN)));
    assertThat(server.next(CDS).getVersionInfo()).isEqualTo("1");

    Cluster bad = edsCluster("bad", Cluster.LbPolicy.ROUND_ROBIN).toBuilder()
        .setType(Cluster.DiscoveryType.ORIGINAL_DST).build();
    String other = clusterName(80, "", B);
    server.send(CDS, "2", "n2",
        any(edsCluster(good, Cluster.LbPolicy.ROUND_ROBIN)), any(bad), any(edsCluster(other, Cluster.LbPolicy.RANDOM)));
    DiscoveryRequest nack = server.next(CDS);
    assertThat(nack.getVersionInfo()).as("last accepted version").isEqualTo("1");
    assertThat(nack.getResponseNonce()).isEqualTo("n2");
    assertThat(nack.getErrorDetail().getCode()).isEqualTo(3);
    assertThat(nack.getErrorDetail().getMessage()).contains("Cluster 'bad'").contains("type");

    // The valid resources of the response are applied (gRFC A46/A88); the invalid one is NACKED.
    await().untilAsserted(() -> assertThat(latest.get().clusters()).containsOnlyKeys(good, other));
    assertThat(statusOf(CDS, "bad").state()).isEqualTo(ClientStatus.State.NACKED);
    assertThat(statusOf(CDS, "bad").error()).contains("Cluster 'bad'");
    assertThat(statusOf(CDS, other).state()).isEqualTo(ClientStatus.State.ACKED);
    assertThat(client.status().versionOf(CDS)).isEqualTo("1");

    server.send(CDS, "3", "n3", any(edsCluster(good, Cluster.LbPolicy.ROUND_ROBIN)));
    DiscoveryRequest ack = server.next(CDS);
    assertThat(ack.getVersionInfo()).isEqualTo("3");
    assertThat(ack.hasErrorDetail()).isFalse();
  }

  @Test
  void bytesThatDoNotDecodeAreNackedAndTheLastGoodConfigStays() throws Exception {
    connect();
    server.next(LDS);
    server.send(LDS, "1", "n1", any(listener(A, 80)));
    server.next(LDS);
    server.send(LDS, "2", "n2", garbage(LDS));
    DiscoveryRequest nack = server.next(LDS);
    assertThat(nack.getVersionInfo()).isEqualTo("1");
    assertThat(nack.getErrorDetail().getMessage()).contains("Listener resources[0]").contains("cannot decode");
    await().untilAsserted(() -> assertThat(latest.get().listeners()).containsOnlyKeys(A + ":80"));

    server.send(LDS, "3", "n3", any(listener(A, 80)), any(io.envoyproxy.envoy.config.listener.v3.Listener
        .newBuilder().setName("").build()));
    assertThat(server.next(LDS).getErrorDetail().getMessage()).contains("resources[1]: name must not be empty");
  }

  @Test
  void aResourceOfAnotherTypeInsideAResponseIsRejected() throws Exception {
    connect();
    server.next(LDS);
    server.send(LDS, "1", "n1", any(edsCluster("c", Cluster.LbPolicy.ROUND_ROBIN)));
    assertThat(server.next(LDS).getErrorDetail().getMessage())
        .contains("Listener resources[0]: type " + CDS + " does not match");
  }

  @Test
  void theClientEchoesWhateverNonceTheServerSent() throws Exception {
    connect();
    server.next(CDS);
    server.send(CDS, "1", "zz-9", any(edsCluster("c", Cluster.LbPolicy.ROUND_ROBIN)));
    assertThat(server.next(CDS).getResponseNonce()).isEqualTo("zz-9");
    server.send(CDS, "2", "", any(edsCluster("c", Cluster.LbPolicy.ROUND_ROBIN)));
    DiscoveryRequest r = server.next(CDS);
    assertThat(r.getResponseNonce()).as("an empty nonce is echoed as is").isEmpty();
    assertThat(r.getVersionInfo()).isEqualTo("2");
    server.send(CDS, "3", "aa-1", any(edsCluster("c", Cluster.LbPolicy.ROUND_ROBIN)));
    assertThat(server.next(CDS).getResponseNonce()).isEqualTo("aa-1");
  }

  @Test
  void anUnrequestedTypeIsIgnoredWithoutAckAndTheStreamGoesOn() throws Exception {
    connect();
    server.next(LDS);
    server.next(CDS);
    server.send("type.googleapis.com/envoy.service.runtime.v3.Runtime", "1", "r1");
    server.send(CDS, "1", "n1", any(edsCluster("c", Cluster.LbPolicy.ROUND_ROBIN)));
    DiscoveryRequest next = server.next(CDS);
    assertThat(next.getResponseNonce()).isEqualTo("n1");
    assertThat(server.pending()).noneMatch(r -> r.getTypeUrl().contains("Runtime"));
  }

  @Test
  void aListenerMissingFromAStateOfTheWorldResponseIsDeletedAndItsRoutesUnsubscribed() throws Exception {
    connect();
    server.next(LDS);
    server.send(LDS, "1", "n1", any(listener(A, 80)), any(listener(B, 80)));
    server.next(LDS);
    assertThat(server.next(RDS).getResourceNamesList())
        .containsExactly(clusterName(80, "", A), clusterName(80, "", B));

    server.send(LDS, "2", "n2", any(listener(A, 80)));
    assertThat(server.next(LDS).getVersionInfo()).isEqualTo("2");
    assertThat(server.next(RDS).getResourceNamesList()).containsExactly(clusterName(80, "", A));
    await().untilAsserted(() -> assertThat(latest.get().listeners()).containsOnlyKeys(A + ":80"));
    assertThat(statusOf(LDS, B + ":80").state()).isEqualTo(ClientStatus.State.DOES_NOT_EXIST);

    server.send(LDS, "3", "n3");
    server.next(LDS);
    await().untilAsserted(() -> assertThat(latest.get().listeners()).as("empty SotW deletes all").isEmpty());
  }

  @Test
  void withIgnoreResourceDeletionAListenerMissingFromAResponseIsKept() throws Exception {
    connect(Duration.ofSeconds(15), ServerInfo.IGNORE_RESOURCE_DELETION);
    server.next(LDS);
    server.send(LDS, "1", "n1", any(listener(A, 80)), any(listener(B, 80)));
    server.next(LDS);
    server.send(LDS, "2", "n2", any(listener(A, 80)));
    assertThat(server.next(LDS).getVersionInfo()).isEqualTo("2");
    await().untilAsserted(() -> assertThat(client.status().versionOf(LDS)).isEqualTo("2"));
    assertThat(latest.get().listeners()).containsOnlyKeys(A + ":80", B + ":80");
    assertThat(statusOf(LDS, B + ":80").state()).isEqualTo(ClientStatus.State.ACKED);
  }

  @Test
  void routesAndEndpointsMissingFromAResponseAreNotDeleted() throws Exception {
    connect();
    server.next(LDS);
    server.send(LDS, "1", "n1", any(listener(A, 80)), any(listener(B, 80)));
    server.next(RDS);
    String ra = clusterName(80, "", A);
    String rb = clusterName(80, "", B);
    server.send(RDS, "1", "r1", any(routes(A, 80, toCluster(prefix(""), ra))), any(routes(B, 80, toCluster(prefix(""), rb))));
    assertThat(server.next(RDS).getVersionInfo()).isEqualTo("1");
    server.send(RDS, "2", "r2", any(routes(A, 80, toCluster(prefix("/v2"), ra))));
    assertThat(server.next(RDS).getVersionInfo()).isEqualTo("2");
    server.send(RDS, "3", "r3");
    assertThat(server.next(RDS).getVersionInfo()).isEqualTo("3");
    await().untilAsserted(() -> assertThat(client.status().versionOf(RDS)).isEqualTo("3"));
    assertThat(latest.get().routes()).containsOnlyKeys(ra, rb);
  }

  @Test
  void aNamedResourceThatNeverArrivesIsDeclaredDoesNotExistAfterTheTimer() throws Exception {
    connect(Duration.ofMillis(300));
    server.next(LDS);
    server.send(LDS, "1", "n1", any(listener(A, 80)));
    server.next(CDS);
    server.send(CDS, "1", "c1", any(edsCluster("c", Cluster.LbPolicy.ROUND_ROBIN)));
    String route = clusterName(80, "", A);
    await().untilAsserted(() -> assertThat(statusOf(RDS, route).state()).isEqualTo(ClientStatus.State.REQUESTED));
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      assertThat(statusOf(RDS, route).state()).isEqualTo(ClientStatus.State.DOES_NOT_EXIST);
      assertThat(statusOf(EDS, "c").state()).isEqualTo(ClientStatus.State.DOES_NOT_EXIST);
      assertThat(latest.get().complete()).isTrue();
    });

    // still watched: it may be created later
    server.send(EDS, "1", "e1", any(endpoints("c", 8080)));
    await().untilAsserted(() -> assertThat(statusOf(EDS, "c").state()).isEqualTo(ClientStatus.State.ACKED));
  }

  @Test
  void afterTheStreamBreaksTheClientResubscribesWithTheLastAcceptedVersions() throws Exception {
    connect();
    server.next(LDS);
    server.send(LDS, "7", "n1", any(listener(A, 80)));
    server.next(LDS);
    server.next(RDS);
    server.breakStream();
    server.awaitStream();
    DiscoveryRequest lds = server.next(LDS);
    assertThat(lds.hasNode()).isTrue();
    assertThat(lds.getVersionInfo()).isEqualTo("7");
    assertThat(lds.getResponseNonce()).isEmpty();
    assertThat(server.next(RDS).getResourceNamesList()).containsExactly(clusterName(80, "", A));
    assertThat(latest.get().listeners()).containsOnlyKeys(A + ":80");
  }
}
