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
 * @param router whether the client is a gateway (an xDS node of the router kind, id {@code router~...}): it
 *     gets the listeners and route configurations of the Gateways that select its labels instead of the
 *     sidecar's outbound ones
 * @param autoMtls whether the client applies Istio auto-mTLS ({@code transport_socket_matches} chosen by endpoint
 *     metadata), as Bowline's runtime does (node {@code user_agent_name} {@code bowline}); proxyless gRPC
 *     refuses clusters with {@code transport_socket_matches}, so it gets none; such a client also tells TLS from
 *     plaintext on one port, so a PERMISSIVE server port is served to it as two filter chains
 */
public record ClientView(
    String namespace, Map<String, String> labels, String locality, boolean router, boolean autoMtls) {

  /** A client in namespace {@code default} without labels: the view served to nodes that send no metadata. */
  public static final ClientView DEFAULT = new ClientView("default", Map.of());

  /** A gateway in {@code namespace} whose workload carries {@code labels}, its locality unknown. */
  public static ClientView router(String namespace, Map<String, String> labels) {
    return new ClientView(namespace, labels, "", true, false);
  }

  /** A client whose locality is unknown. */
  public ClientView(String namespace, Map<String, String> labels) {
    this(namespace, labels, "");
  }

  /** A sidecar (not a gateway) that does not apply auto-mTLS (proxyless gRPC). */
  public ClientView(String namespace, Map<String, String> labels, String locality) {
    this(namespace, labels, locality, false, false);
  }

  /** A sidecar (not a gateway) whose auto-mTLS is {@code autoMtls}. */
  public static ClientView sidecar(String namespace, Map<String, String> labels, String locality, boolean autoMtls) {
    return new ClientView(namespace, labels, locality, false, autoMtls);
  }

  /** Copies and sorts the labels; a blank namespace becomes {@code default}. */
  public ClientView {
    namespace = namespace == null || namespace.isBlank() ? "default" : namespace;
    labels = Map.copyOf(new TreeMap<>(labels));
    locality = locality == null ? "" : locality;
  }
}
