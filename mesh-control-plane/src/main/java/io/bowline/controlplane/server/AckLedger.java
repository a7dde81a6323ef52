package io.bowline.controlplane.server;

import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records what clients say about the resources served: a request that carries {@code error_detail} is a
 * NACK (logged as a warning with the client's reason and kept, the last 100); one with a
 * {@code version_info} (SotW) or a {@code response_nonce} without error (delta) is an ACK of that version,
 * kept per (node id, type URL). Thread-safe; called by java-control-plane on its stream threads.
 */
public final class AckLedger implements DiscoveryServerCallbacks {

  /** How many NACKs are kept. */
  static final int MAX_NACKS = 100;

  private static final Logger LOG = LoggerFactory.getLogger(AckLedger.class);

  /**
   * One rejected response.
   *
   * @param nodeId the client's {@code node.id}
   * @param typeUrl the rejected resource type
   * @param rejectedNonce the nonce of the rejected response
   * @param message the client's {@code error_detail.message}
   */
  public record Nack(String nodeId, String typeUrl, String rejectedNonce, String message) {}

  private final List<Nack> nacks = new CopyOnWriteArrayList<>();
  private final Map<String, String> ackedVersions = new ConcurrentHashMap<>();
  private final Map<Long, String> streamNodes = new ConcurrentHashMap<>();

  @Override
  public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
    String node = request.hasNode() ? request.getNode().getId() : streamNodes.getOrDefault(streamId, "");
    if (request.hasNode()) {
      streamNodes.put(streamId, node);
    }
    if (request.hasErrorDetail()) {
      nack(new Nack(node, request.getTypeUrl(), request.getResponseNonce(),
          request.getErrorDetail().getMessage()));
    } else if (!request.getVersionInfo().isEmpty()) {
      ackedVersions.put(node + " " + request.getTypeUrl(), request.getVersionInfo());
    }
  }

  @Override
  public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {
    String node = request.hasNode() ? request.getNode().getId() : streamNodes.getOrDefault(streamId, "");
    if (request.hasNode()) {
      streamNodes.put(streamId, node);
    }
    if (request.hasErrorDetail()) {
      nack(new Nack(node, request.getTypeUrl(), request.getResponseNonce(),
          request.getErrorDetail().getMessage()));
    } else if (!request.getResponseNonce().isEmpty()) {
      ackedVersions.put(node + " " + request.getTypeUrl(), "nonce:" + request.getResponseNonce());
    }
  }

  @Override
  public void onStreamClose(long streamId, String typeUrl) {
    streamNodes.remove(streamId);
  }

  @Override
  public void onStreamCloseWithError(long streamId, String typeUrl, Throwable error) {
    streamNodes.remove(streamId);
  }

  /** The NACKs received, oldest first (at most {@value #MAX_NACKS}). */
  public List<Nack> nacks() {
    return List.copyOf(nacks);
  }

  /** The last version the node ACKed for the type ({@code ""} if none). */
  public String ackedVersion(String nodeId, String typeUrl) {
    return ackedVersions.getOrDefault(nodeId + " " + typeUrl, "");
  }

  private void nack(Nack nack) {
    LOG.warn("NACK from node '{}' for {} (nonce {}): {}", nack.nodeId(), nack.typeUrl(), nack.rejectedNonce(),
        nack.message());
    nacks.add(nack);
    while (nacks.size() > MAX_NACKS) {
      nacks.remove(0);
    }
  }
}
