package io.bowline.runtime;

import io.bowline.runtime.filter.peermetadata.PeerMetadataFilter;
import io.bowline.api.Workload;
import io.bowline.runtime.telemetry.IstioMetrics;
import io.bowline.runtime.telemetry.LocalWorkload;
import io.bowline.runtime.telemetry.TelemetryFilter;
import io.bowline.runtime.upstream.Resilience;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import java.util.Map;

/** Makes a client's telemetry filter from its setup, the builder's OpenTelemetry and its meters. */
final class Telemetry {
  private Telemetry() {}

  /** Istio's metrics of the workload {@code setup} describes, to {@code registry}. */
  static IstioMetrics metrics(MeshSetup setup, MeterRegistry registry, Resilience resilience) {
    return new IstioMetrics(registry, local(setup), resilience);
  }

  /** @throws IllegalArgumentException if {@code openTelemetry} is not an {@code OpenTelemetry} */
  static TelemetryFilter filter(MeshSetup setup, Object openTelemetry, IstioMetrics metrics) {
    return new TelemetryFilter(local(setup), openTelemetry(openTelemetry), metrics);
  }

  /** Istio's peer metadata exchange, sending this workload's metadata as its xDS node describes it. */
  static PeerMetadataFilter peerMetadata(MeshSetup setup) {
    Workload w = setup.workload();
    Node node = setup.xds() == null ? null : setup.xds().node();
    Map<String, com.google.protobuf.Value> md = node == null ? Map.of() : node.getMetadata().getFieldsMap();
    return new PeerMetadataFilter(node == null ? null : node.getId(),
        PeerMetadataFilter.metadata(w.name(), w.namespace(), string(md, "CLUSTER_ID"), w.labels()));
  }

  private static OpenTelemetry openTelemetry(Object o) {
    if (o == null || o instanceof OpenTelemetry) {
      return (OpenTelemetry) o;
    }
    throw new IllegalArgumentException(
        "openTelemetry() takes an io.opentelemetry.api.OpenTelemetry, got " + o.getClass().getName());
  }

  /** The workload as its xDS node describes it (Istio's {@code CLUSTER_ID}, {@code MESH_ID} metadata). */
  static LocalWorkload local(MeshSetup setup) {
    Workload w = setup.workload();
    Node node = setup.xds() == null ? null : setup.xds().node();
    String id = node == null ? null : node.getId();
    Map<String, com.google.protobuf.Value> md = node == null ? Map.of() : node.getMetadata().getFieldsMap();
    return LocalWorkload.of(id, w.name(), w.namespace(), w.labels(), string(md, "CLUSTER_ID"), string(md, "MESH_ID"));
  }

  private static String string(Map<String, com.google.protobuf.Value> md, String key) {
    com.google.protobuf.Value v = md.get(key);
    return v == null ? null : v.getStringValue();
  }
}
