package io.bowline.proxy.gateway;

import java.util.Map;
import java.util.stream.Collectors;

/**
 * The xDS node of a gateway, as istiod recognises one: id {@code router~<ip>~<name>.<ns>~<ns>.svc.<domain>},
 * metadata {@code NAMESPACE}, {@code WORKLOAD_NAME} and {@code LABELS} (what a Gateway's {@code selector}
 * selects), given to the mesh client as a gRPC xDS bootstrap ({@code MeshClient.Builder.bootstrapJson}).
 */
public final class GatewayNode {
  private GatewayNode() {}

  /**
   * A bootstrap for the gateway {@code name.namespace} with {@code labels}, talking to the plaintext ADS server
   * {@code xds}.
   *
   * @param xds the ADS server, {@code host:port}
   * @param name the workload name, e.g. {@code istio-ingressgateway}
   * @param namespace its namespace, e.g. {@code istio-system}
   * @param labels its labels, e.g. {@code istio=ingressgateway}
   * @param clusterDomain e.g. {@code cluster.local}
   * @return the bootstrap JSON
   */
  public static String bootstrapJson(String xds, String name, String namespace, Map<String, String> labels,
      String clusterDomain) {
    String labelJson = labels.entrySet().stream()
        .map(e -> json(e.getKey()) + ":" + json(e.getValue()))
        .collect(Collectors.joining(","));
    String id = "router~127.0.0.1~" + name + "." + namespace + "~" + namespace + ".svc." + clusterDomain;
    return "{\"xds_servers\":[{\"server_uri\":" + json(xds) + ",\"channel_creds\":[{\"type\":\"insecure\"}],"
        + "\"server_features\":[\"xds_v3\"]}],"
        + "\"node\":{\"id\":" + json(id) + ",\"cluster\":" + json(name + "." + namespace) + ","
        + "\"metadata\":{\"NAMESPACE\":" + json(namespace) + ",\"WORKLOAD_NAME\":" + json(name) + ","
        + "\"INSTANCE_IPS\":\"127.0.0.1\",\"LABELS\":{" + labelJson + "}}}}";
  }

  /** {@code s} as a JSON string literal (quoted and escaped). */
  public static String json(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append('"').toString();
  }
}
