package io.bowline.runtime.staticconfig;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.bowline.api.ClientStatus;
import io.bowline.runtime.xds.StaticResourcesDecoder;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap.StaticResources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** Envoy's own example configurations load, and every resource comes out ACKED or NACKED by name. */
class EnvoyConfigLoaderTest {
  static Stream<Path> envoyFixtures() throws IOException {
    String shared = System.getProperty("bowline.shared.dir");
    Path dir = shared == null ? null : Path.of(shared, "fixtures", "envoy");
    assumeTrue(dir != null && Files.isDirectory(dir),
        "shared fixtures not found (system property bowline.shared.dir); skipping the Envoy example configs");
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList().stream();
    }
  }

  @ParameterizedTest
  @MethodSource("envoyFixtures")
  void envoysExampleConfigsLoad(Path file) throws IOException {
    // java-control-plane's integration configs are templates: its tests fill in HOST_PORT
    String text = Files.readString(file).replace("HOST_PORT", "15010");
    StaticResources sr = EnvoyConfigLoader.parse(text, file.toString());
    StaticResourcesDecoder.Result r =
        StaticResourcesDecoder.decode(sr.getListenersList(), sr.getClustersList(), "static");
    assertThat(r.status().resources()).hasSize(sr.getListenersCount() + sr.getClustersCount());
    for (ClientStatus.Resource res : r.status().resources()) {
      if (res.state() == ClientStatus.State.NACKED) {
        assertThat(res.error()).startsWith((res.typeUrl().endsWith("Listener") ? "Listener '" : "Cluster '")
            + res.name() + "': ");
      } else {
        assertThat(res.state()).isEqualTo(ClientStatus.State.ACKED);
      }
    }
  }

  @Test
  void errorsNameTheFile() {
    assertThatThrownBy(() -> EnvoyConfigLoader.parse("static_resources: {clusters: [{nme: x}]}", "bad.yaml"))
        .isInstanceOf(StaticConfigException.class)
        .hasMessageStartingWith("bad.yaml: ")
        .hasMessageContaining("nme");
    assertThatThrownBy(() -> EnvoyConfigLoader.parse("- a\n- b\n", "list.yaml"))
        .hasMessage("list.yaml: expected a mapping at the top level");
  }

  @Test
  void readsAResourcesFileAsPathConfigSourceWritesIt() {
    StaticResources sr = EnvoyConfigLoader.parse("""
        resources:
        - "@type": type.googleapis.com/envoy.config.cluster.v3.Cluster
          name: example
          type: STATIC
          load_assignment:
            cluster_name: example
            endpoints:
            - lb_endpoints:
              - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: 8080}}}
        """, "cds.yaml");
    assertThat(sr.getClustersList()).extracting(c -> c.getName()).isEqualTo(List.of("example"));
  }

  @Test
  void aStaticClusterWhoseTlsTrustsNoCaIsNackedNotCalledInPlaintext() {
    StaticResources sr = EnvoyConfigLoader.parse("""
        static_resources:
          clusters:
          - name: service_google
            type: LOGICAL_DNS
            load_assignment:
              cluster_name: service_google
              endpoints:
              - lb_endpoints:
                - endpoint: {address: {socket_address: {address: www.google.com, port_value: 443}}}
            transport_socket:
              name: envoy.transport_sockets.tls
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
                sni: www.google.com
        """, "tls.yaml");
    StaticResourcesDecoder.Result r = StaticResourcesDecoder.decode(sr.getListenersList(), sr.getClustersList(), "static");
    assertThat(r.status().resources()).singleElement().satisfies(res -> {
      assertThat(res.state()).isEqualTo(ClientStatus.State.NACKED);
      assertThat(res.error()).isEqualTo("Cluster 'service_google': transport_socket.typed_config.common_tls_context"
          + ".validation_context: no trusted CA (ca_certificate_provider_instance or an SDS validation context) is set:"
          + " the server could not be verified; refusing to connect");
    });
  }
}
