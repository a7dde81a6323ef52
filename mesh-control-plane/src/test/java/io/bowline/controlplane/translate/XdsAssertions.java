package io.bowline.controlplane.translate;

import static org.assertj.core.api.Assertions.assertThat;

import io.bowline.controlplane.Diagnostic;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.util.List;

/** Finds translated resources by name, failing the test with the available names when one is missing. */
final class XdsAssertions {

  private XdsAssertions() {}

  static Cluster cluster(XdsResources resources, String name) {
    return resources.clusters().stream().filter(c -> c.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no cluster " + name + " in "
            + resources.clusters().stream().map(Cluster::getName).toList()));
  }

  static ClusterLoadAssignment endpoints(XdsResources resources, String name) {
    return resources.endpoints().stream().filter(c -> c.getClusterName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no ClusterLoadAssignment " + name));
  }

  static Listener listener(XdsResources resources, String name) {
    return resources.listeners().stream().filter(l -> l.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no listener " + name + " in "
            + resources.listeners().stream().map(Listener::getName).toList()));
  }

  static RouteConfiguration routeConfiguration(XdsResources resources, String name) {
    return resources.routeConfigurations().stream().filter(r -> r.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no route configuration " + name + " in "
            + resources.routeConfigurations().stream().map(RouteConfiguration::getName).toList()));
  }

  /** The routes of the single virtual host of route configuration {@code name}. */
  static List<Route> routes(XdsResources resources, String name) {
    RouteConfiguration config = routeConfiguration(resources, name);
    assertThat(config.getVirtualHostsList()).hasSize(1);
    return config.getVirtualHosts(0).getRoutesList();
  }

  static List<Diagnostic> errors(XdsResources resources) {
    return resources.diagnostics().stream().filter(Diagnostic::isError).toList();
  }
}
