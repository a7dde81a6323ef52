package io.bowline.runtime.filter.peermetadata;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.bowline.api.config.PeerMetadataExchange;
import io.bowline.api.filter.Exchange;
import io.bowline.api.filter.ExchangeResponse;
import io.bowline.api.filter.HttpFilter;
import io.bowline.runtime.pipeline.ConstantHeader;
import io.bowline.runtime.pipeline.MeshExchange;
import java.util.Base64;
import java.util.Map;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * {@code istio.metadata_exchange} ({@code io.istio.http.peer_metadata.Config}), the outbound half Istio's sidecar
 * runs as {@code upstream_propagation: [istio_headers]}: when the listener that matched the call has the filter,
 * the request goes upstream with {@code x-envoy-peer-metadata-id} (this workload's node id) and
 * {@code x-envoy-peer-metadata} (base64 of a deterministically serialized {@code google.protobuf.Struct}:
 * {@code NAMESPACE}, {@code WORKLOAD_NAME}, {@code OWNER}, {@code CLUSTER_ID}, {@code LABELS} with {@code app},
 * {@code version} and the canonical service and revision), set over any the application put there, as Envoy sets
 * them. With {@code skip_external_clusters}, a call to {@code PassthroughCluster} carries neither. The destination's
 * inbound side reads them into its {@code source_*} labels and removes them before its application sees them.
 *
 * <p>The headers do not change the route (the filter sets them as Envoy's does, after route selection). Their
 * names and values are fixed per configuration: they are kept as {@link ConstantHeader}s, so a call sets them
 * without lower-casing or allocating, and the proxy copies their encoded field lines into the upstream head.
 */
public final class PeerMetadataFilter implements HttpFilter {
  /** Envoy's cluster for requests to destinations the mesh does not know. */
  static final String PASSTHROUGH = "PassthroughCluster";
  /** The labels Istio's proxies exchange (its standard ones, without {@code additional_labels}). */
  private static final List<String> LABELS = List.of("app", "service.istio.io/canonical-name",
      "service.istio.io/canonical-revision", "version");

  /** {@code x-envoy-peer-metadata-id}, or {@code null} without a node id. */
  private final ConstantHeader id;
  /** {@code x-envoy-peer-metadata}. */
  private final ConstantHeader value;

  /**
   * @param nodeId this workload's xDS node id ({@code x-envoy-peer-metadata-id}), or {@code null}
   * @param metadata this workload's peer metadata ({@link #metadata})
   */
  public PeerMetadataFilter(String nodeId, Struct metadata) {
    this.id = nodeId == null || nodeId.isEmpty() ? null : new ConstantHeader(PeerMetadataExchange.ID_HEADER, nodeId);
    this.value = new ConstantHeader(PeerMetadataExchange.HEADER,
        Base64.getEncoder().encodeToString(metadata.toByteString().toByteArray()));
  }

  /**
   * This workload's metadata as Istio's proxies exchange it; unknown values are left out.
   *
   * @param workload the workload name, or {@code null}
   * @param namespace its namespace, or {@code null}
   * @param clusterId Istio's {@code CLUSTER_ID}, or {@code null}
   * @param labels the workload's labels, of which {@code app}, {@code version} and
   *     {@code service.istio.io/canonical-name} and {@code -revision} are sent
   * @return the {@code Struct} sent base64-encoded in {@code x-envoy-peer-metadata}
   */
  public static Struct metadata(String workload, String namespace, String clusterId, Map<String, String> labels) {
    Struct.Builder s = Struct.newBuilder();
    put(s, "NAMESPACE", namespace);
    put(s, "WORKLOAD_NAME", workload);
    put(s, "CLUSTER_ID", clusterId);
    if (present(workload) && present(namespace)) {
      put(s, "OWNER", "kubernetes://apis/apps/v1/namespaces/" + namespace + "/deployments/" + workload);
    }
    Struct.Builder l = Struct.newBuilder();
    for (String key : LABELS) {
      put(l, key, labels.get(key));
    }
    if (l.getFieldsCount() > 0) {
      s.putFields("LABELS", Value.newBuilder().setStructValue(l).build());
    }
    return s.build();
  }

  private static boolean present(String s) {
    return s != null && !s.isEmpty();
  }

  private static void put(Struct.Builder s, String key, String v) {
    if (present(v)) {
      s.putFields(key, Value.newBuilder().setStringValue(v).build());
    }
  }

  @Override
  public String name() {
    return PeerMetadataExchange.FILTER_NAME;
  }

  @Override
  public CompletionStage<ExchangeResponse> filter(Exchange exchange, Next next) {
    MeshExchange ex = (MeshExchange) exchange;
    PeerMetadataExchange config = ex.listenerPeerMetadata();
    if (config != null && config.upstreamPropagation()
        && !(config.skipExternalClusters() && PASSTHROUGH.equals(ex.clusterName()))) {
      if (id != null) {
        ex.setHeaderKeepingRoute(id);
      }
      ex.setHeaderKeepingRoute(value);
    }
    return next.proceed(exchange);
  }
}
