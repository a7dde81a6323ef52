package io.bowline.runtime.telemetry;

import static io.bowline.runtime.testing.EnvoyResources.clusterName;
import static io.bowline.runtime.testing.EnvoyResources.edsCluster;
import static io.bowline.runtime.testing.EnvoyResources.endpoints;
import static io.bowline.runtime.testing.EnvoyResources.listener;
import static io.bowline.runtime.testing.EnvoyResources.routes;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.bowline.api.MeshClient;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.bowline.runtime.adapter.okhttp.BowlineOkHttp;
import io.bowline.runtime.testing.XdsTestServer;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import okhttp3.OkHttpClient;

/**
 * A real ADS server on loopback serving {@code reviews} (route and clusters shaped by the test), and
 * a mesh client for {@code productpage-v1} with an OkHttp client.
 */
final class TelemetryMesh implements AutoCloseable {
  static final String FQDN = "reviews.default.svc.cluster.local";
  static final String V1 = clusterName(9080, "v1", FQDN);
  static final String SHADOW = clusterName(9080, "shadow", FQDN);

  final XdsTestServer xds = new XdsTestServer();
  final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  MeshClient mesh;
  OkHttpClient http;
  private int version;

  TelemetryMesh() throws Exception {}

  /** Publishes the listener (edited), one route, and clusters with their loopback ports (name, int[] ...). */
  void publish(UnaryOperator<Listener> listenerEdit, Route route, Object... clustersAndPorts) {
    publish(listenerEdit, List.of(route), clustersAndPorts);
  }

  /**
   * Publishes the listener (edited), its routes in order, and clusters (a name or a {@link Cluster})
   * with their loopback ports.
   */
  void publish(UnaryOperator<Listener> listenerEdit, List<Route> routeList, Object... clustersAndPorts) {
    RouteConfiguration rc = routes(FQDN, 9080, routeList.toArray(Route[]::new));
    List<Cluster> clusters = new ArrayList<>();
    List<ClusterLoadAssignment> eps = new ArrayList<>();
    for (int i = 0; i < clustersAndPorts.length; i += 2) {
      Cluster c = clustersAndPorts[i] instanceof Cluster given ? given
          : edsCluster((String) clustersAndPorts[i], Cluster.LbPolicy.ROUND_ROBIN);
      clusters.add(c);
      eps.add(endpoints(c.getName(), (int[]) clustersAndPorts[i + 1]));
    }
    xds.set(Snapshot.create(clusters, eps, List.of(listenerEdit.apply(listener(FQDN, 9080))), List.of(rc),
        List.of(), "v" + (++version)));
  }

  /** The listener with its HTTP connection manager edited (tracing, access logs). */
  static UnaryOperator<Listener> hcm(UnaryOperator<HttpConnectionManager.Builder> edit) {
    return l -> {
      try {
        HttpConnectionManager h = l.getApiListener().getApiListener().unpack(HttpConnectionManager.class);
        return l.toBuilder().setApiListener(l.getApiListener().toBuilder()
            .setApiListener(Any.pack(edit.apply(h.toBuilder()).build()))).build();
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalStateException(e);
      }
    };
  }

  void connect(UnaryOperator<MeshClient.Builder> edit) throws Exception {
    mesh = edit.apply(MeshClient.builder().workload("productpage-v1", "default")
        .label("app", "productpage").label("version", "v1")
        .xdsServer(xds.address()).meterRegistry(meters)).build();
    try {
      mesh.awaitReady(Duration.ofSeconds(30));
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError(e.getMessage() + "; status " + mesh.status(), e);
    }
    http = BowlineOkHttp.install(mesh, new OkHttpClient.Builder()).build();
  }

  @Override
  public void close() throws Exception {
    if (mesh != null) {
      mesh.close();
    }
    xds.close();
  }
}
