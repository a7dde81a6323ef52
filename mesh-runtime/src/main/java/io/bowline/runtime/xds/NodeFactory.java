package io.bowline.runtime.xds;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.bowline.api.Workload;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Builds the xDS {@code Node} as Istio's proxyless bootstrap does: id
 * {@code sidecar~<ip>~<workload>.<ns>~<ns>.svc.<domain>}, metadata {@code GENERATOR: grpc},
 * {@code NAMESPACE}, {@code LABELS}.
 */
public final class NodeFactory {
  /** The runtime's user agent name. */
  public static final String USER_AGENT = "bowline";

  private NodeFactory() {}

  public static Node forWorkload(Workload workload, String clusterDomain) {
    String ip = localIp();
    Struct.Builder labels = Struct.newBuilder();
    workload.labels().forEach((k, v) -> labels.putFields(k, Value.newBuilder().setStringValue(v).build()));
    Struct metadata = Struct.newBuilder()
        .putFields("GENERATOR", string("grpc"))
        .putFields("NAMESPACE", string(workload.namespace()))
        .putFields("WORKLOAD_NAME", string(workload.name()))
        .putFields("INSTANCE_IPS", string(ip))
        .putFields("LABELS", Value.newBuilder().setStructValue(labels).build())
        .build();
    return Node.newBuilder()
        .setId("sidecar~" + ip + "~" + workload.name() + "." + workload.namespace() + "~"
            + workload.namespace() + ".svc." + clusterDomain)
        .setCluster(workload.name() + "." + workload.namespace())
        .setMetadata(metadata)
        .setUserAgentName(USER_AGENT)
        .setUserAgentVersion(version())
        .addClientFeatures("xds.config.resource-in-sotw")
        .build();
  }

  private static Value string(String s) {
    return Value.newBuilder().setStringValue(s).build();
  }

  private static String version() {
    String v = NodeFactory.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  private static String localIp() {
    try {
      return InetAddress.getLocalHost().getHostAddress();
    } catch (UnknownHostException e) {
      return "127.0.0.1";
    }
  }
}
