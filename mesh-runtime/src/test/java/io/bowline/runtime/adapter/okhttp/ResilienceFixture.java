package io.bowline.runtime.adapter.okhttp;

import static io.bowline.runtime.testing.EnvoyResources.clusterName;
import static io.bowline.runtime.testing.EnvoyResources.edsCluster;
import static io.bowline.runtime.testing.EnvoyResources.endpoints;
import static io.bowline.runtime.testing.EnvoyResources.listener;
import static io.bowline.runtime.testing.EnvoyResources.routes;

import io.bowline.api.MeshClient;
import io.bowline.runtime.adapter.okhttp.BowlineOkHttp;
import io.bowline.runtime.testing.XdsTestServer;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import okhttp3.OkHttpClient;

/**
 * A real ADS server on loopback serving one service ({@code reviews}) whose route and clusters a
 * test shapes, and a {@link MeshClient} with an OkHttp client subscribed to it.
 */
final class ResilienceFixture implements AutoCloseable {
  static final String FQDN = "reviews.default.svc.cluster.local";
  static final String V1 = clusterName(9080, "v1", FQDN);
  static final String SHADOW = clusterName(9080, "shadow", FQDN);

  final XdsTestServer xds;
  private MeshClient mesh;
  OkHttpClient http;
  /** Meters of the mesh client: a fresh registry per fixture. */
  final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  /** Edits the listener before each publish (e.g. HCM filters); identity by default. */
  java.util.function.UnaryOperator<io.envoyproxy.envoy.config.listener.v3.Listener> listenerEdit = l -> l;
  private int version;

  ResilienceFixture() throws Exception {
    xds = new XdsTestServer();
  }

  /** Publishes: listener + route config (attempt count on), cluster V1 with {@code ports}, optional extra clusters. */
  void publish(Route route, Cluster v1, int[] ports, Object... extraClustersAndPorts) {
    RouteConfiguration rc = routes(FQDN, 9080, route);
    rc = rc.toBuilder().setVirtualHosts(0, rc.getVirtualHosts(0).toBuilder().setIncludeRequestAttemptCount(true)).build();
    List<Cluster> clusters = new ArrayList<>(List.of(v1));
    List<ClusterLoadAssignment> eps = new ArrayList<>(List.of(endpoints(v1.getName(), ports)));
    for (int i = 0; i < extraClustersAndPorts.length; i += 2) {
      Cluster c = (Cluster) extraClustersAndPorts[i];
      clusters.add(c);
      eps.add(endpoints(c.getName(), (int[]) extraClustersAndPorts[i + 1]));
    }
    xds.set(Snapshot.create(clusters, eps, List.of(listenerEdit.apply(listener(FQDN, 9080))), List.of(rc), List.of(), "v" + (++version)));
  }

  /** The snapshot version last published ("v" + n). */
  String publishedVersion() {
    return "v" + version;
  }

  /** The version this client last ACKed for {@code typeUrl}, or null. */
  String ackedVersion(String typeUrl) {
    return mesh.status().versionOf(typeUrl);
  }

  static Cluster cluster(String name) {
    return edsCluster(name, Cluster.LbPolicy.ROUND_ROBIN);
  }

  void connect() throws Exception {
    connect(new OkHttpClient.Builder());
  }

  void connect(OkHttpClient.Builder builder) throws Exception {
    mesh = MeshClient.builder().workload("productpage-v1", "default").xdsServer(xds.address())
        .meterRegistry(meters).build();
    mesh.awaitReady(Duration.ofSeconds(30));
    http = BowlineOkHttp.install(mesh, builder).build();
  }

  @Override
  public void close() throws Exception {
    if (mesh != null) {
      mesh.close();
    }
    xds.close();
  }
}
