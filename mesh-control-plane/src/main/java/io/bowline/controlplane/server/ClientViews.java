package io.bowline.controlplane.server;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.bowline.controlplane.translate.ClientView;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads a client's {@link ClientView} from its xDS {@code Node}, as istiod reads a proxyless gRPC bootstrap:
 * {@code metadata.NAMESPACE} (a string; {@code default} when absent) and {@code metadata.LABELS} (a struct of
 * strings; non-string values are ignored), {@code locality} for locality load balancing, and the node type
 * from the id: {@code router~...} is a gateway (as istiod reads it), anything else a sidecar; a node whose
 * {@code user_agent_name} is {@code bowline} gets auto-mTLS.
 */
final class ClientViews {

  /** The node metadata key of the namespace. */
  static final String NAMESPACE = "NAMESPACE";
  /** The node metadata key of the workload labels. */
  static final String LABELS = "LABELS";
  /** The {@code user_agent_name} of Bowline's runtime, which applies auto-mTLS. */
  static final String BOWLINE = "bowline";

  /** The node id prefix of Istio's gateways: {@code router~<ip>~<pod>.<namespace>~<namespace>.svc.<domain>}. */
  static final String ROUTER_PREFIX = "router~";

  private ClientViews() {}

  static ClientView of(Node node) {
    Struct metadata = node.getMetadata();
    String namespace = metadata.getFieldsOrDefault(NAMESPACE, Value.getDefaultInstance()).getStringValue();
    Map<String, String> labels = new TreeMap<>();
    Value value = metadata.getFieldsOrDefault(LABELS, Value.getDefaultInstance());
    if (value.hasStructValue()) {
      value.getStructValue().getFieldsMap().forEach((key, label) -> {
        if (label.hasStringValue()) {
          labels.put(key, label.getStringValue());
        }
      });
    }
    return new ClientView(namespace, labels, locality(node), node.getId().startsWith(ROUTER_PREFIX),
        BOWLINE.equals(node.getUserAgentName()));
  }

  /** {@code Node.locality} as {@code region/zone/subzone}, trailing empty segments dropped. */
  static String locality(Node node) {
    String locality = node.getLocality().getRegion() + "/" + node.getLocality().getZone() + "/"
        + node.getLocality().getSubZone();
    return locality.replaceAll("/+$", "");
  }
}
