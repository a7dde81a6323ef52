package io.bowline.spring;

import io.bowline.api.MeshClient;
import java.util.List;
import org.springframework.core.env.Environment;

/** Fills a {@link MeshClient.Builder} from {@link BowlineProperties}. */
final class MeshClientSettings {
  private MeshClientSettings() {}

  static MeshClient.Builder builder(BowlineProperties p, Environment environment) {
    MeshClient.Builder b = MeshClient.builder();
    String name = p.getWorkloadName();
    if (name == null || name.isBlank()) {
      name = environment.getProperty("spring.application.name", "application");
    }
    b.workload(name, p.getNamespace());
    p.getLabels().forEach(b::label);
    b.clusterDomain(p.getClusterDomain());
    BowlineProperties.Xds xds = p.getXds();
    List<String> servers = xds.getServers();
    if (!servers.isEmpty()) {
      b.xdsServers(servers.toArray(String[]::new));
    }
    if (xds.getBootstrap() != null) {
      b.bootstrap(xds.getBootstrap());
    }
    if (xds.getDelta() != null) {
      b.deltaXds(xds.getDelta());
    }
    b.initialFetchTimeout(xds.getInitialFetchTimeout());
    if (p.getStaticConfig() != null) {
      b.staticConfig(p.getStaticConfig());
    }
    BowlineProperties.Locality l = p.getLocality();
    if (l.isSet()) {
      b.locality(l.getRegion(), l.getZone(), l.getSubZone());
    }
    return b;
  }
}
