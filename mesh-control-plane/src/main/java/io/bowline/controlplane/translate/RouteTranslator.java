package io.bowline.controlplane.translate;

import io.bowline.controlplane.istio.HostResolver;
import io.bowline.controlplane.istio.ServicePort;
import io.bowline.controlplane.istio.VirtualService.HttpMatch;
import io.bowline.controlplane.istio.VirtualService.HttpRoute;
import io.bowline.controlplane.translate.VirtualServiceIndex.BoundRule;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * Builds the route configuration {@code outbound|<port>||<host>} of a service port, as istiod's {@code grpc}
 * generator does: {@code ignore_port_in_host_matching}, one virtual host {@code <host>:<port>} whose domains
 * are the host and its short names, with and without {@code :<port>}, and the routes of the VirtualServices that target the host.
 *
 * <p>Each {@code match[]} entry becomes one route (entries are ORed); a rule without match becomes a
 * catch-all {@code prefix: ""}; entries whose {@code port} is another port are dropped; no route is emitted
 * after the first catch-all; entries whose {@code sourceLabels}/{@code sourceNamespace} do not fit the client
 * are dropped (istiod evaluates them per proxy). A rule becomes a {@code redirect}, a {@code direct_response}
 * or a {@code route} action (with its rewrite); route-level headers, and those of a rule's only destination,
 * go on the route. Without any route, the configuration holds the single route {@code default} to the
 * service's own cluster.
 */
final class RouteTranslator {

  /** The reserved gateway name of the sidecars. */
  static final String MESH = "mesh";

  /** The name istiod gives the route of a service without VirtualService. */
  static final String DEFAULT_ROUTE = "default";

  private final HostResolver resolver;
  private final RouteActionTranslator actions;
  private final ClientView client;

  RouteTranslator(HostResolver resolver, RouteActionTranslator actions, ClientView client) {
    this.resolver = resolver;
    this.actions = actions;
    this.client = client;
  }

  RouteConfiguration routeConfiguration(MeshService service, ServicePort port, List<BoundRule> rules) {
    VirtualHost virtualHost = VirtualHost.newBuilder()
        .setName(ClusterNames.listener(service.host(), port.number()))
        .addAllDomains(domains(service.host(), port.number()))
        .addAllRoutes(routes(service, port.number(), rules))
        .setIncludeRequestAttemptCount(true)
        .build();
    return RouteConfiguration.newBuilder()
        .setName(ClusterNames.outbound(port.number(), "", service.host()))
        .setIgnorePortInHostMatching(true)
        .addVirtualHosts(virtualHost)
        .build();
  }

  private List<Route> routes(MeshService service, int port, List<BoundRule> rules) {
    List<Route> routes = rules(rules, port, MESH);
    if (routes.isEmpty()) {
      routes.add(actions.withServiceHashPolicy(defaultRoute(service.host(), port), service.host(), port));
    }
    return routes;
  }

  /**
   * The routes of {@code rules} on the route configuration of {@code port} (a service port, or a gateway
   * server's port) of {@code gateway} ({@value #MESH} for sidecars, else the Gateway's {@code namespace/name}),
   * in order, up to the first catch-all; empty when none applies.
   */
  List<Route> rules(List<BoundRule> rules, int port, String gateway) {
    List<Route> routes = new ArrayList<>();
    for (BoundRule bound : rules) {
      HttpRoute rule = bound.rule();
      Optional<Route.Builder> template = template(bound, port);
      if (template.isEmpty()) {
        continue;
      }
      List<HttpMatch> matches = rule.match().isEmpty() ? Collections.singletonList(null) : rule.match();
      for (HttpMatch match : matches) {
        if (match != null && match.port() != 0 && match.port() != port) {
          continue;
        }
        if (match != null && (!match.appliesToSource(client.labels(), client.namespace())
            || !match.appliesOn(gateway))) {
          continue;
        }
        RouteMatch routeMatch = RouteMatchTranslator.translate(match);
        routes.add(template.get().clone()
            .setName(routeName(rule, match))
            .setMatch(routeMatch)
            .putAllTypedPerFilterConfig(HttpPolicyTranslator.faultConfig(rule.policies()))
            .putAllTypedPerFilterConfig(CorsTranslator.perRoute(rule.policies()))
            .build());
        if (RouteMatchTranslator.isCatchAll(routeMatch)) {
          return routes;
        }
      }
    }
    return routes;
  }

  /**
   * Everything of a rule's routes except name and match: the redirect, direct response or route action
   * (with rewrite), and the header mutations. Empty when the rule has no usable destination.
   */
  private Optional<Route.Builder> template(BoundRule bound, int port) {
    HttpRoute rule = bound.rule();
    Route.Builder route = Route.newBuilder();
    if (rule.redirect() != null) {
      route.setRedirect(LocalReplyTranslator.redirect(rule.redirect()));
    } else if (rule.directResponse() != null) {
      route.setDirectResponse(LocalReplyTranslator.directResponse(rule.directResponse()));
    } else {
      Optional<RouteAction> action = actions.translate(bound.virtualService(), rule, port);
      if (action.isEmpty()) {
        return Optional.empty();
      }
      route.setRoute(RewriteTranslator.apply(action.get(), rule.rewrite()));
      if (rule.route().size() == 1) {
        HeaderOperationsTranslator.apply(route, rule.route().get(0).headers());
      }
    }
    HeaderOperationsTranslator.apply(route, rule.headers());
    return Optional.of(route);
  }

  /**
   * The host, its short names, then each of them with {@code :<port>}: Envoy ignores the port
   * ({@code ignore_port_in_host_matching}) but gRPC clients match the authority {@code host:port} of an
   * {@code xds:///host:port} target as written.
   */
  private List<String> domains(String host, int port) {
    List<String> aliases = resolver.aliases(host);
    List<String> domains = new ArrayList<>(aliases);
    aliases.forEach(alias -> domains.add(alias + ":" + port));
    return domains;
  }

  /** The route of a service without VirtualService: everything to {@code outbound|<port>||<host>}. */
  static Route defaultRoute(String host, int port) {
    return Route.newBuilder()
        .setName(DEFAULT_ROUTE)
        .setMatch(RouteMatchTranslator.translate(null))
        .setRoute(RouteAction.newBuilder()
            .setCluster(ClusterNames.outbound(port, "", host))
            .setTimeout(RouteActionTranslator.NO_TIMEOUT)
            .setRetryPolicy(HttpPolicyTranslator.DEFAULT_RETRY))
        .build();
  }

  /** istiod's route name: the rule's {@code name}, joined with the match's {@code name} by a dot. */
  private static String routeName(HttpRoute rule, HttpMatch match) {
    String matchName = match == null ? "" : match.name();
    if (rule.name().isEmpty() || matchName.isEmpty()) {
      return rule.name().isEmpty() ? matchName : rule.name();
    }
    return rule.name() + "." + matchName;
  }
}
