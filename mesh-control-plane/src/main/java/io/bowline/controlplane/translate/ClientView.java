package io.bowline.controlplane.translate;

import java.util.Map;
import java.util.TreeMap;

/**
 * Who the xDS resources are generated for: the client's namespace and workload labels, as its bootstrap
 * node metadata gives them ({@code NAMESPACE}, {@code LABELS}). istiod uses the same two to evaluate
 * {@code sourceNamespace}/{@code sourceLabels} of a VirtualService match, {@code exportTo} and the
 * Sidecar resource.
 *
 * @param namespace the client's namespace
 * @param labels the client's workload labels
 * @param locality the client's {@code Node.locality} as Istio writes it, {@code region/zone/subzone} (trailing
 *     empty segments dropped); empty when unknown, which disables locality load balancing
 * @param autoMtls whether the client applies Istio auto-mTLS ({@code transport_socket_matches} chosen by endpoint
 *     metadata), as Bowline's runtime does (node {@code user_agent_name} {@code bowline}); proxyless gRPC
 *     refuses clusters with {@code transport_socket_matches}, so it gets none
 */
public record ClientView(String namespace, Map<String, String> labels, String locality, boolean autoMtls) {

  /** A client in namespace {@code default} without labels: the view served to nodes that send no metadata. */
  public static final ClientView DEFAULT = new ClientView("default", Map.of());

  /** A client whose locality is unknown. */
  public ClientView(String namespace, Map<String, String> labels) {
    this(namespace, labels, "");
  }

  /** A client that does not apply auto-mTLS (proxyless gRPC). */
  public ClientView(String namespace, Map<String, String> labels, String locality) {
    this(namespace, labels, locality, false);
  }

  /** Copies and sorts the labels; a blank namespace becomes {@code default}. */
  public ClientView {
    namespace = namespace == null || namespace.isBlank() ? "default" : namespace;
    labels = Map.copyOf(new TreeMap<>(labels));
    locality = locality == null ? "" : locality;
  }
}
