package io.bowline.controlplane.server;

import static io.bowline.controlplane.server.AdsStream.LDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.controlplane.Diagnostic;
import io.bowline.controlplane.LocalControlPlane;
import io.bowline.controlplane.TestConfigs;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15 part 6 over a real ADS stream: inbound (server) listeners are answered as istiod's {@code grpc}
 * generator answers them, only when a request names them ({@code xds.istio.io/grpc/lds/inbound/<ip>:<port>}, the
 * gRFC A36 {@code server_listener_resource_name_template}); wildcard LDS carries the outbound listeners only.
 */
class NamedInboundListenersAdsTest {
  private static final Map<String, String> GREETER = Map.of("app", "greeter");
  private static final String INBOUND_8443 = "xds.istio.io/grpc/lds/inbound/0.0.0.0:8443";
  private static final String OUTBOUND = "ratings.default.svc.cluster.local:9080";

  @TempDir
  Path dir;

  @BeforeEach
  void mesh() {
    TestConfigs.write(dir, "services.yaml", """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: greeter, namespace: default}
        spec:
          hosts: [greeter.default.svc.cluster.local]
          ports: [{number: 8080, name: grpc, protocol: GRPC, targetPort: 8443}]
          resolution: STATIC
          workloadSelector: {labels: {app: greeter}}
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: {name: greeter-1, namespace: default}
        spec:
          address: 127.0.0.1
          labels: {app: greeter}
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: ratings, namespace: default}
        spec:
          hosts: [ratings.default.svc.cluster.local]
          ports: [{number: 9080, name: http, protocol: HTTP}]
          resolution: STATIC
          endpoints: [{address: 127.0.0.2}]
        """);
  }

  @Test
  void wildcardLdsCarriesNoInboundListener() throws Exception {
    try (LocalControlPlane controlPlane = LocalControlPlane.start(dir, 0);
        AdsStream ads = new AdsStream(controlPlane.port(), "default", GREETER, true)) {
      assertThat(controlPlane.diagnostics()).noneMatch(Diagnostic::isError);
      assertThat(names(ads.subscribe(LDS, List.of()))).contains(OUTBOUND)
          .noneMatch(n -> n.startsWith(NamedInboundListenersWatcher.INBOUND_PREFIX));
    }
  }

  @Test
  void addingAnInboundNameToTheWildcardIsAnsweredAtOnceWithThatListenerOnly() throws Exception {
    try (LocalControlPlane controlPlane = LocalControlPlane.start(dir, 0);
        AdsStream ads = new AdsStream(controlPlane.port(), "default", GREETER, true)) {
      DiscoveryResponse first = ads.subscribe(LDS, List.of());
      ads.ack(first, List.of());
      // same version: only the added name can make the server answer now
      ads.request(LDS, List.of("*", INBOUND_8443), first.getVersionInfo(), first.getNonce());
      DiscoveryResponse named = ads.next(LDS);
      assertThat(named.getVersionInfo()).isEqualTo(first.getVersionInfo());
      assertThat(names(named)).contains(OUTBOUND, INBOUND_8443)
          .filteredOn(n -> n.startsWith(NamedInboundListenersWatcher.INBOUND_PREFIX))
          .containsExactly(INBOUND_8443);
      Listener inbound = AdsStream.unpack(named, Listener.class).stream()
          .filter(l -> l.getName().equals(INBOUND_8443)).findFirst().orElseThrow();
      assertThat(inbound.getAddress().getSocketAddress().getAddress()).isEqualTo("0.0.0.0");
      assertThat(inbound.getAddress().getSocketAddress().getPortValue()).isEqualTo(8443);
      assertThat(inbound.hasApiListener()).isFalse();
    }
  }

  @Test
  void aRequestOfNamesOnlyGetsThoseNamesAsGrpcJavaAsksForItsServerListener() throws Exception {
    try (LocalControlPlane controlPlane = LocalControlPlane.start(dir, 0);
        AdsStream ads = new AdsStream(controlPlane.port(), "default", GREETER, true)) {
      assertThat(names(ads.subscribe(LDS, List.of(INBOUND_8443)))).containsExactly(INBOUND_8443);
    }
  }

  @Test
  void anInboundNameForAPortNoServiceSelectsIsNotAnswered() throws Exception {
    String unknownPort = "xds.istio.io/grpc/lds/inbound/0.0.0.0:9999";
    try (LocalControlPlane controlPlane = LocalControlPlane.start(dir, 0);
        AdsStream ads = new AdsStream(controlPlane.port(), "default", GREETER, true)) {
      assertThat(names(ads.subscribe(LDS, List.of("*", unknownPort, INBOUND_8443))))
          .contains(OUTBOUND, INBOUND_8443).doesNotContain(unknownPort);
    }
  }

  private static List<String> names(DiscoveryResponse response) throws Exception {
    return AdsStream.unpack(response, Listener.class).stream().map(Listener::getName).toList();
  }
}
