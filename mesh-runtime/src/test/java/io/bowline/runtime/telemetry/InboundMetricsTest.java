package io.bowline.runtime.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Istio's metrics of the requests a server of the workload answers ({@code reporter="destination"}): the
 * {@code destination_*} labels are the workload itself, {@code source_principal} the client's certificate, the other
 * {@code source_*} labels the caller's {@code x-envoy-peer-metadata} (Istio's HTTP metadata exchange: a base64
 * {@code google.protobuf.Struct} of its node metadata), else {@code unknown}.
 */
class InboundMetricsTest {
  private static final String CALLER = "spiffe://cluster.local/ns/default/sa/bookinfo-productpage";
  private static final String SELF = "spiffe://cluster.local/ns/default/sa/bookinfo-reviews";

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final IstioMetrics metrics = new IstioMetrics(registry, LocalWorkload.of("proxyless~10.0.0.2~reviews-v2.default~default.svc.cluster.local",
      "reviews-v2", "default", Map.of("app", "reviews", "version", "v2"), "Kubernetes", null));

  @AfterEach
  void close() {
    metrics.close();
  }

  private static String peerMetadata() {
    Struct labels = Struct.newBuilder().putFields("app", string("productpage")).putFields("version", string("v1"))
        .putFields("service.istio.io/canonical-name", string("productpage")).build();
    Struct node = Struct.newBuilder().putFields("WORKLOAD_NAME", string("productpage-v1"))
        .putFields("NAMESPACE", string("default")).putFields("CLUSTER_ID", string("Kubernetes"))
        .putFields("LABELS", Value.newBuilder().setStructValue(labels).build()).build();
    return Base64.getEncoder().encodeToString(node.toByteArray());
  }

  private static Value string(String s) {
    return Value.newBuilder().setStringValue(s).build();
  }

  private Map<String, String> labels(Meter meter) {
    Map<String, String> tags = new java.util.TreeMap<>();
    meter.getId().getTags().forEach(t -> tags.put(t.getKey(), t.getValue()));
    return tags;
  }

  @Test
  void aMutualTlsRequestWithPeerMetadataIsLabelledWithBothWorkloadsAsIstioReportsIt() {
    metrics.recordInbound(new IstioMetrics.ServedRequest(CALLER, SELF, peerMetadata(),
        "reviews.default.svc.cluster.local:9080", "http", 200, -1, "", 3_000_000, 0, 42));
    Counter requests = registry.find("istio.requests").counter();
    assertThat(requests.count()).isEqualTo(1);
    assertThat(labels(requests)).containsEntry("reporter", "destination")
        .containsEntry("source_workload", "productpage-v1").containsEntry("source_workload_namespace", "default")
        .containsEntry("source_principal", CALLER).containsEntry("source_app", "productpage")
        .containsEntry("source_version", "v1").containsEntry("source_canonical_service", "productpage")
        .containsEntry("source_cluster", "Kubernetes")
        .containsEntry("destination_workload", "reviews-v2").containsEntry("destination_principal", SELF)
        .containsEntry("destination_app", "reviews").containsEntry("destination_version", "v2")
        .containsEntry("destination_service", "reviews.default.svc.cluster.local")
        .containsEntry("destination_service_name", "reviews").containsEntry("destination_service_namespace", "default")
        .containsEntry("response_code", "200").containsEntry("response_flags", "-")
        .containsEntry("connection_security_policy", "mutual_tls");
    metrics.flush(); // the stats flush that merges the histograms
    assertThat(registry.find("istio.response.bytes").summary().totalAmount()).isEqualTo(42);
    assertThat(registry.find("istio.request.duration.milliseconds").summary().totalAmount()).isEqualTo(3.0);
  }

  @Test
  void aPlaintextRequestWithoutMetadataHasUnknownSourcesAndADeniedOneTheRbacFlag() {
    metrics.recordInbound(new IstioMetrics.ServedRequest(null, null, "not base64 of a Struct!", "10.0.0.2:9080",
        "http", 403, -1, "RBAC", 1_000_000, 0, 19));
    Counter requests = registry.find("istio.requests").counter();
    assertThat(labels(requests)).containsEntry("source_workload", "unknown").containsEntry("source_principal", "unknown")
        .containsEntry("source_app", "unknown").containsEntry("destination_principal", "unknown")
        .containsEntry("destination_workload", "reviews-v2").containsEntry("response_code", "403")
        .containsEntry("response_flags", "RBAC").containsEntry("connection_security_policy", "none");
  }
}
