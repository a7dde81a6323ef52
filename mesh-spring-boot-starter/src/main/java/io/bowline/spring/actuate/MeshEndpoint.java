package io.bowline.spring.actuate;

import io.bowline.api.ClientStatus;
import io.bowline.api.MeshClient;
import io.bowline.api.config.Endpoint;
import io.bowline.runtime.RuntimeMeshClient;
import io.bowline.runtime.pipeline.OutboundRouter;
import io.bowline.runtime.upstream.ClusterEntry;
import io.bowline.runtime.upstream.HealthFlag;
import io.bowline.runtime.upstream.HostHealth;
import io.bowline.runtime.upstream.PrioritySet;
import io.bowline.runtime.upstream.lb.UpstreamHost;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * {@code /actuator/bowline}: the mesh client's view, read-only. {@code workload} (name, namespace,
 * labels); {@code xds} (connected, accepted version per type); {@code config} (every subscribed
 * resource with its type, name, version, CSDS state, last update and error: the config dump in
 * CSDS's shape); {@code clusters} (per cluster in use, its endpoints with address, priority, EDS
 * health, the health flags set on them (outlier ejection...) and active requests).
 */
@org.springframework.boot.actuate.endpoint.annotation.Endpoint(id = "bowline")
public final class MeshEndpoint {
  private static final String CLUSTERS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";

  private final MeshClient mesh;
  private final OutboundRouter router;

  /** @param mesh the application's mesh client */
  public MeshEndpoint(MeshClient mesh) {
    this.mesh = mesh;
    this.router = RuntimeMeshClient.of(mesh).router();
  }

  /** The whole view; see the class description for its shape. */
  @ReadOperation
  public Map<String, Object> mesh() {
    ClientStatus status = mesh.status();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("workload", Map.of("name", mesh.workload().name(), "namespace", mesh.workload().namespace(),
        "labels", mesh.workload().labels()));
    Map<String, String> versions = new LinkedHashMap<>();
    status.acceptedVersions().forEach((type, version) -> versions.put(MeshHealthIndicator.shortType(type), version));
    out.put("xds", Map.of("connected", status.connected(), "acceptedVersions", versions));
    List<Map<String, Object>> config = new ArrayList<>();
    Map<String, Object> clusters = new LinkedHashMap<>();
    for (ClientStatus.Resource r : status.resources()) {
      Map<String, Object> resource = new LinkedHashMap<>();
      resource.put("type", MeshHealthIndicator.shortType(r.typeUrl()));
      resource.put("name", r.name());
      resource.put("version", r.version());
      resource.put("state", r.state().name());
      resource.put("lastUpdated", r.lastUpdated() == null ? null : r.lastUpdated().toString());
      resource.put("error", r.error());
      config.add(resource);
      if (r.typeUrl().equals(CLUSTERS)) {
        ClusterEntry entry = router.cluster(r.name());
        if (entry != null) {
          clusters.put(r.name(), cluster(entry));
        }
      }
    }
    out.put("config", config);
    out.put("clusters", clusters);
    return out;
  }

  private Map<String, Object> cluster(ClusterEntry entry) {
    PrioritySet hosts = router.resilience().cluster(entry).prioritySet();
    List<Map<String, Object>> endpoints = new ArrayList<>();
    for (UpstreamHost host : entry.balancing().hosts()) {
      Endpoint e = host.endpoint();
      HostHealth health = hosts.health(host);
      List<String> flags = new ArrayList<>();
      for (HealthFlag f : HealthFlag.values()) {
        if (health.has(f)) {
          flags.add(f.name());
        }
      }
      Map<String, Object> endpoint = new LinkedHashMap<>();
      endpoint.put("address", e.address() + ":" + e.port());
      endpoint.put("priority", host.priority());
      endpoint.put("health", health.coarse().name());
      endpoint.put("healthFlags", flags);
      endpoint.put("activeRequests", host.activeRequests());
      endpoints.add(endpoint);
    }
    return Map.of("noHealthyUpstream", entry.balancing().noHealthyUpstream(), "endpoints", endpoints);
  }
}
