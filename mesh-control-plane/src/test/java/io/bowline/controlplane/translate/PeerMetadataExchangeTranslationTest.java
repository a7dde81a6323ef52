package io.bowline.controlplane.translate;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.udpa.udpa.type.v1.TypedStruct;
import com.google.protobuf.util.JsonFormat;
import io.bowline.controlplane.TestConfigs;
import io.bowline.controlplane.istio.IstioConfigLoader;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Istio's HTTP peer metadata exchange as istiod writes it on a sidecar's outbound listeners: the
 * {@code istio.metadata_exchange} filter first, sending and reading Istio's headers; none on a MESH_EXTERNAL
 * ServiceEntry's listener, so that no workload metadata leaves the mesh.
 */
class PeerMetadataExchangeTranslationTest {
  @TempDir
  Path dir;

  private XdsResources translate(String yaml) {
    Path file = TestConfigs.write(dir, "se.yaml", yaml);
    return new XdsTranslator().translate(IstioConfigLoader.loadFiles(List.of(TestConfigs.bookinfoServices(), file)));
  }

  private static HttpConnectionManager hcm(XdsResources resources, String name) throws Exception {
    Listener l = resources.listeners().stream().filter(x -> x.getName().equals(name)).findFirst().orElseThrow();
    return l.getApiListener().getApiListener().unpack(HttpConnectionManager.class);
  }

  @Test
  void aMeshServicesListenerRunsIstiodsOutboundPeerMetadataFilterFirst() throws Exception {
    HttpConnectionManager reviews = hcm(translate(""), "reviews.default.svc.cluster.local:9080");
    HttpFilter mx = reviews.getHttpFilters(0);
    assertThat(mx.getName()).isEqualTo("istio.metadata_exchange");
    assertThat(mx.getIsOptional()).as("skipped, not NACKed, by clients that do not run it (gRFC A39)").isTrue();
    TypedStruct config = mx.getTypedConfig().unpack(TypedStruct.class);
    assertThat(config.getTypeUrl()).isEqualTo("type.googleapis.com/io.istio.http.peer_metadata.Config");
    assertThat(JsonFormat.printer().omittingInsignificantWhitespace().print(config.getValue())).isEqualTo(
        "{\"upstream_discovery\":[{\"istio_headers\":{}},{\"workload_discovery\":{}}],"
            + "\"upstream_propagation\":[{\"istio_headers\":{\"skip_external_clusters\":true}}]}");
  }

  @Test
  void aMeshExternalServiceEntrysListenerHasNoPeerMetadataFilter() throws Exception {
    XdsResources resources = translate("""
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: ext, namespace: default}
        spec:
          hosts: [api.example.com]
          location: MESH_EXTERNAL
          ports: [{number: 80, name: http, protocol: HTTP}]
          resolution: STATIC
          endpoints: [{address: 10.0.0.9}]
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: {name: internal, namespace: default}
        spec:
          hosts: [inside.example.com]
          location: MESH_INTERNAL
          ports: [{number: 80, name: http, protocol: HTTP}]
          resolution: STATIC
          endpoints: [{address: 10.0.0.10}]
        """);
    assertThat(hcm(resources, "api.example.com:80").getHttpFiltersList()).extracting(HttpFilter::getName)
        .containsExactly("envoy.filters.http.fault", "envoy.filters.http.router");
    assertThat(hcm(resources, "inside.example.com:80").getHttpFiltersList()).extracting(HttpFilter::getName)
        .startsWith("istio.metadata_exchange");
  }
}
