package io.bowline.runtime;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.bowline.api.MeshSettings;
import io.bowline.api.Workload;
import io.bowline.api.XdsOverrides;
import io.bowline.runtime.bootstrap.Bootstrap;
import io.bowline.runtime.bootstrap.BootstrapLocator;
import io.bowline.runtime.bootstrap.BootstrapParser;
import io.bowline.runtime.bootstrap.ServerInfo;
import io.bowline.runtime.xds.NodeFactory;
import io.bowline.runtime.xds.XdsClientConfig;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Resolves {@link MeshSettings} and the gRPC xDS bootstrap into what the runtime runs with. The
 * builder's fields override the bootstrap's: {@code xdsServer} / {@code xdsServers} replace
 * {@code xds_servers}; {@code serverFeatures} are added to every server's; {@code locality}
 * replaces {@code node.locality};
 * an explicit {@code workload} builds the node (keeping the bootstrap node's other metadata and
 * locality); otherwise the bootstrap's {@code node} is sent as is and the workload is read from it
 * (Istio: metadata {@code NAMESPACE}, {@code WORKLOAD_NAME}, {@code LABELS}, or the node id
 * {@code sidecar~<ip>~<pod>.<ns>~<ns>.svc.<domain>}).
 *
 * @param workload the workload the client speaks for
 * @param xds the xDS client's configuration, or {@code null} with a static configuration
 * @param bootstrap the bootstrap in use, or empty when only {@code xdsServer} was given
 */
record MeshSetup(Workload workload, XdsClientConfig xds, Optional<Bootstrap> bootstrap, String sourceAddress) {

  /** @throws IllegalArgumentException naming file and field if the bootstrap is invalid */
  static MeshSetup resolve(MeshSettings settings) {
    Optional<Bootstrap> bootstrap;
    if (settings.bootstrapFile() != null) {
      bootstrap = Optional.of(BootstrapLocator.read(settings.bootstrapFile()));
    } else if (settings.bootstrapJson() != null) {
      bootstrap = Optional.of(BootstrapParser.parse(settings.bootstrapJson(), "bootstrapJson"));
    } else if (settings.xdsServer() == null && settings.staticConfig() == null) {
      bootstrap = BootstrapLocator.fromEnvironment();
    } else {
      bootstrap = Optional.empty();
    }
    List<ServerInfo> servers;
    XdsOverrides overrides = settings.xdsOverrides();
    if (!overrides.xdsServers().isEmpty()) {
      servers = overrides.xdsServers().stream().map(ServerInfo::insecure).toList();
    } else if (settings.xdsServer() != null) {
      servers = List.of(ServerInfo.insecure(settings.xdsServer()));
    } else if (settings.staticConfig() != null && bootstrap.isEmpty()) {
      servers = List.of();
    } else {
      servers = bootstrap.orElseThrow(() -> new IllegalStateException(
          "MeshClient needs a config source: xdsServer(\"host:port\") or a gRPC xDS bootstrap")).servers();
    }
    if (bootstrap.isEmpty() || !overrides.xdsServers().isEmpty() || settings.xdsServer() != null) {
      for (ServerInfo s : servers) { // a bootstrap's own server URIs were checked where it was read
        String problem = io.bowline.runtime.bootstrap.UnixSocketUri.problem(s.serverUri());
        if (problem != null) {
          throw new IllegalArgumentException("xDS server \"" + s.serverUri() + "\": " + problem);
        }
      }
    }
    if (!overrides.serverFeatures().isEmpty()) {
      servers = servers.stream().map(s -> withFeatures(s, overrides.serverFeatures())).toList();
    }
    if (Boolean.FALSE.equals(settings.deltaXds())) {
      servers = servers.stream().map(MeshSetup::withoutDelta).toList();
    }
    Node bootNode = bootstrap.map(Bootstrap::node).orElse(null);
    Workload workload = settings.workload();
    Node node;
    if (bootNode == null) {
      node = NodeFactory.forWorkload(workload, settings.clusterDomain());
    } else if (settings.workloadExplicit()) {
      node = merge(NodeFactory.forWorkload(workload, settings.clusterDomain()), bootNode);
    } else {
      workload = workloadOf(bootNode, workload);
      node = bootNode.toBuilder()
          .setUserAgentName(NodeFactory.USER_AGENT)
          .setUserAgentVersion(NodeFactory.forWorkload(workload, settings.clusterDomain()).getUserAgentVersion())
          .addClientFeatures("xds.config.resource-in-sotw")
          .build();
    }
    if (overrides.locality() != null) {
      var l = overrides.locality();
      node = node.toBuilder().setLocality(io.envoyproxy.envoy.config.core.v3.Locality.newBuilder()
          .setRegion(l.region()).setZone(l.zone()).setSubZone(l.subZone())).build();
    }
    XdsClientConfig xds = settings.staticConfig() != null ? null : new XdsClientConfig(
        servers, node, settings.initialFetchTimeout(), Boolean.TRUE.equals(settings.deltaXds()),
        CertificateProviders.of(bootstrap).names(), serverListenerPrefix(bootstrap));
    return new MeshSetup(workload, xds, bootstrap, sourceAddress(node));
  }

  /**
   * The bootstrap's {@code server_listener_resource_name_template} up to {@code %s}, else Istio's
   * {@code xds.istio.io/grpc/lds/inbound/}.
   */
  static String serverListenerPrefix(Optional<Bootstrap> bootstrap) {
    String template = bootstrap.map(Bootstrap::serverListenerResourceNameTemplate).orElse("");
    if (template.isEmpty()) {
      return io.bowline.runtime.xds.resource.ListenerResourceType.ISTIO_SERVER_LISTENER_PREFIX;
    }
    int at = template.indexOf("%s");
    return at < 0 ? template : template.substring(0, at);
  }

  /**
   * This workload's own IP, what a sidecar would see as the downstream source address: the first
   * of the node's {@code INSTANCE_IPS}, else the IP part of an Istio node id
   * ({@code type~ip~pod.ns~ns.svc.domain}).
   */
  static String sourceAddress(Node node) {
    String ips = string(node.getMetadata().getFieldsMap(), "INSTANCE_IPS");
    if (ips != null && !ips.isBlank()) {
      return ips.split(",")[0].trim();
    }
    String[] idParts = node.getId().split("~", -1);
    return idParts.length == 4 && !idParts[1].isEmpty() ? idParts[1] : null;
  }

  private static ServerInfo withFeatures(ServerInfo s, Set<String> more) {
    Set<String> features = new LinkedHashSet<>(s.serverFeatures());
    features.addAll(more);
    return new ServerInfo(s.serverUri(), s.channelCredsType(), features);
  }

  private static ServerInfo withoutDelta(ServerInfo s) {
    Set<String> features = new LinkedHashSet<>(s.serverFeatures());
    features.remove(ServerInfo.DELTA_ADS);
    return new ServerInfo(s.serverUri(), s.channelCredsType(), features);
  }

  /** Ours wins for identity; the bootstrap's other metadata and its locality are kept. */
  private static Node merge(Node ours, Node boot) {
    Struct.Builder metadata = boot.getMetadata().toBuilder();
    metadata.putAllFields(ours.getMetadata().getFieldsMap());
    Node.Builder b = ours.toBuilder().setMetadata(metadata);
    if (boot.hasLocality()) {
      b.setLocality(boot.getLocality());
    }
    return b.build();
  }

  static Workload workloadOf(Node node, Workload fallback) {
    Map<String, Value> md = node.getMetadata().getFieldsMap();
    String[] idParts = node.getId().split("~", -1);
    String podDotNs = idParts.length == 4 ? idParts[2] : "";
    String namespace = string(md, "NAMESPACE");
    if (namespace == null && podDotNs.contains(".")) {
      namespace = podDotNs.substring(podDotNs.lastIndexOf('.') + 1);
    }
    String name = string(md, "WORKLOAD_NAME");
    if (name == null && !node.getCluster().isEmpty()) {
      name = node.getCluster().split("\\.")[0];
    }
    if (name == null && podDotNs.contains(".")) {
      name = podDotNs.substring(0, podDotNs.lastIndexOf('.'));
    }
    Map<String, String> labels = new LinkedHashMap<>();
    Value l = md.get("LABELS");
    if (l != null && l.hasStructValue()) {
      l.getStructValue().getFieldsMap().forEach((k, v) -> {
        if (v.hasStringValue()) {
          labels.put(k, v.getStringValue());
        }
      });
    }
    return new Workload(
        name == null || name.isBlank() ? fallback.name() : name,
        namespace == null || namespace.isBlank() ? fallback.namespace() : namespace,
        labels.isEmpty() ? fallback.labels() : labels);
  }

  private static String string(Map<String, Value> md, String key) {
    Value v = md.get(key);
    return v != null && v.hasStringValue() && !v.getStringValue().isBlank() ? v.getStringValue() : null;
  }
}
