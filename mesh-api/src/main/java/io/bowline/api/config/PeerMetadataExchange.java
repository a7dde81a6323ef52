package io.bowline.api.config;

/**
 * Istio's HTTP peer metadata exchange on a listener: the {@code istio.metadata_exchange} HTTP filter,
 * {@code typed_config} a {@code TypedStruct} of {@code io.istio.http.peer_metadata.Config}, of which Bowline runs the
 * {@code istio_headers} methods ({@code x-envoy-peer-metadata}, a base64 serialized {@code google.protobuf.Struct}
 * of the workload's node metadata, and {@code x-envoy-peer-metadata-id}, its node id).
 *
 * @param upstreamDiscovery {@code upstream_discovery} lists {@code istio_headers}: the response's peer headers name
 *     the destination (and are removed before the application sees the response)
 * @param upstreamPropagation {@code upstream_propagation} lists {@code istio_headers}: requests carry this
 *     workload's metadata
 * @param skipExternalClusters that method's {@code skip_external_clusters}: no headers to {@code PassthroughCluster}
 *     or to clusters whose {@code istio} filter metadata says {@code external: true}
 */
public record PeerMetadataExchange(boolean upstreamDiscovery, boolean upstreamPropagation,
    boolean skipExternalClusters) {
  /** The filter's name in Istio's listeners. */
  public static final String FILTER_NAME = "istio.metadata_exchange";
  /** The {@code TypedStruct} type URL of its config. */
  public static final String TYPE = "type.googleapis.com/io.istio.http.peer_metadata.Config";
  /** The header with the base64 {@code google.protobuf.Struct} of a workload's metadata. */
  public static final String HEADER = "x-envoy-peer-metadata";
  /** The header with a workload's node id. */
  public static final String ID_HEADER = "x-envoy-peer-metadata-id";
}
