package io.bowline.controlplane.translate;

import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import io.bowline.controlplane.istio.HostResolver;
import io.bowline.controlplane.istio.VirtualService;
import io.bowline.controlplane.istio.VirtualService.Destination;
import io.bowline.controlplane.istio.VirtualService.HttpRoute;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import java.util.List;
import java.util.Optional;

/**
 * Istio {@code HTTPRoute.route[]} → Envoy {@code RouteAction} (istiod's {@code applyHTTPRouteDestination}):
 * one destination → {@code cluster}; several → {@code weighted_clusters} with weight-0 destinations dropped
 * and the remaining weights kept as relative weights. {@code timeout} is always 0 s (no timeout), which is
 * what istiod writes when the VirtualService sets none. When a destination's DestinationRule (its subset's
 * policy, else the rule's) sets {@code consistentHash}, the action gets that one {@code hash_policy}; with
 * several destinations the first one (in route order) that has a consistent hash supplies it
 * ({@code [unverified]} against istiod for mixed policies; pinned by a test).
 */
final class RouteActionTranslator {

  /** {@code RouteAction.timeout} when the VirtualService sets none: 0 (disabled). */
  static final Duration NO_TIMEOUT = Duration.getDefaultInstance();

  private final HostResolver resolver;
  private final ServiceRegistry registry;
  private final DestinationPolicies policies;

  RouteActionTranslator(HostResolver resolver, ServiceRegistry registry, DestinationPolicies policies) {
    this.resolver = resolver;
    this.registry = registry;
    this.policies = policies;
  }

  /**
   * The action of {@code rule} on the route configuration of {@code listenerPort}; empty when no destination
   * has weight (an error {@link DestinationValidator} reports).
   */
  Optional<RouteAction> translate(VirtualService virtualService, HttpRoute rule, int listenerPort) {
    List<Destination> destinations = rule.route().size() == 1
        ? rule.route()
        : rule.route().stream().filter(destination -> destination.weight() > 0).toList();
    if (destinations.isEmpty()) {
      return Optional.empty();
    }
    RouteAction.Builder action = RouteAction.newBuilder().setTimeout(NO_TIMEOUT);
    HttpPolicyTranslator.apply(rule.policies(), action, d -> clusterName(virtualService, d, listenerPort));
    destinations.stream()
        .flatMap(destination -> policies.forCluster(
            resolver.resolve(destination.host(), virtualService.ref().namespace()), destination.subset(),
            port(virtualService, destination, listenerPort)).loadBalancer().consistentHash().stream())
        .findFirst()
        .ifPresent(hash -> {
          action.addHashPolicy(HashPolicyTranslator.hashPolicy(hash));
          HttpPolicyTranslator.keepRetriesOnTheHashedHost(action);
        });
    if (destinations.size() == 1) {
      return Optional.of(action.setCluster(clusterName(virtualService, destinations.get(0), listenerPort)).build());
    }
    WeightedCluster.Builder weighted = WeightedCluster.newBuilder();
    for (Destination destination : destinations) {
      WeightedCluster.ClusterWeight.Builder cluster = WeightedCluster.ClusterWeight.newBuilder()
          .setName(clusterName(virtualService, destination, listenerPort))
          .setWeight(UInt32Value.of(destination.weight()));
      HeaderOperationsTranslator.apply(cluster, destination.headers());
      weighted.addClusters(cluster);
    }
    return Optional.of(action.setWeightedClusters(weighted).build());
  }

  /**
   * {@code route} (a service's default route) with the {@code hash_policy} of the service's own consistent
   * hash, when its DestinationRule sets one (istiod's default outbound route does the same), and then without
   * the {@code previous_hosts} retry predicate.
   */
  Route withServiceHashPolicy(Route route, String host, int port) {
    return policies.forCluster(host, port).loadBalancer().consistentHash()
        .map(hash -> {
          RouteAction.Builder action = route.getRoute().toBuilder().addHashPolicy(HashPolicyTranslator.hashPolicy(hash));
          HttpPolicyTranslator.keepRetriesOnTheHashedHost(action);
          return route.toBuilder().setRoute(action).build();
        })
        .orElse(route);
  }

  /**
   * {@code outbound|<port>|<subset>|<FQDN>} of a destination (istiod's {@code GetDestinationCluster}): the
   * port is {@code destination.port.number}, else the only port of the destination service, else the port of
   * the listener being built.
   */
  String clusterName(VirtualService virtualService, Destination destination, int listenerPort) {
    String host = resolver.resolve(destination.host(), virtualService.ref().namespace());
    return ClusterNames.outbound(port(virtualService, destination, listenerPort), destination.subset(), host);
  }

  /** The port of a destination's cluster; see {@link #clusterName}. */
  private int port(VirtualService virtualService, Destination destination, int listenerPort) {
    if (destination.port() != 0) {
      return destination.port();
    }
    String host = resolver.resolve(destination.host(), virtualService.ref().namespace());
    return registry.find(host)
        .filter(service -> service.ports().size() == 1)
        .map(service -> service.ports().get(0).number())
        .orElse(listenerPort);
  }
}
