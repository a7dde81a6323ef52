package io.bowline.runtime.telemetry;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.bowline.api.config.WorkloadMetadata;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * The caller of an inbound request as Istio's HTTP metadata exchange describes it: the
 * {@code x-envoy-peer-metadata} header, a base64 {@code google.protobuf.Struct} of the caller's node
 * metadata ({@code WORKLOAD_NAME}, {@code NAMESPACE}, {@code CLUSTER_ID}, {@code LABELS}), and the
 * principal of its verified certificate. What neither tells is {@code unknown}, as Istio reports it.
 */
final class PeerMetadata {
  private PeerMetadata() {}

  /**
   * The caller's {@code source_*} labels.
   *
   * @param header the {@code x-envoy-peer-metadata} value, or {@code null}; unreadable is ignored
   * @param principal the caller's verified SPIFFE ID, or {@code null}
   * @return the caller's metadata, {@link WorkloadMetadata#NONE} when nothing is known
   */
  static WorkloadMetadata decode(String header, String principal) {
    Map<String, Value> fields = Map.of();
    if (header != null && !header.isEmpty()) {
      try {
        fields = Struct.parseFrom(Base64.getDecoder().decode(header.trim())).getFieldsMap();
      } catch (IllegalArgumentException | InvalidProtocolBufferException e) {
        fields = Map.of(); // a header that is not Istio's names nobody
      }
    }
    Map<String, String> labels = new HashMap<>();
    Value l = fields.get("LABELS");
    if (l != null && l.hasStructValue()) {
      l.getStructValue().getFieldsMap().forEach((k, v) -> labels.put(k, v.getStringValue()));
    }
    LocalWorkload w = LocalWorkload.of(null, string(fields, "WORKLOAD_NAME"), string(fields, "NAMESPACE"), labels,
        string(fields, "CLUSTER_ID"), null);
    String cluster = string(fields, "CLUSTER_ID") == null ? LocalWorkload.UNKNOWN : w.cluster();
    String canonicalService = fields.isEmpty() ? LocalWorkload.UNKNOWN : w.canonicalService();
    String canonicalRevision = fields.isEmpty() ? LocalWorkload.UNKNOWN : w.canonicalRevision();
    return WorkloadMetadata.parse(String.join(";", w.workload(), w.namespace(), canonicalService, canonicalRevision,
        cluster), w.app(), w.version(), principal);
  }

  private static String string(Map<String, Value> fields, String key) {
    Value v = fields.get(key);
    return v == null || v.getStringValue().isEmpty() ? null : v.getStringValue();
  }
}
