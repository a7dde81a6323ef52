package io.bowline.controlplane.translate;

import io.bowline.controlplane.Diagnostic;
import io.bowline.controlplane.istio.DestinationRule.Subset;
import io.bowline.controlplane.istio.DiagnosticCollector;
import io.bowline.controlplane.istio.HostResolver;
import io.bowline.controlplane.istio.IstioConfig;
import io.bowline.controlplane.istio.LocalityLbSetting;
import io.bowline.controlplane.istio.ResourceRef;
import io.bowline.controlplane.istio.ServiceEntry;
import io.bowline.controlplane.istio.ServicePort;
import io.bowline.controlplane.istio.WorkloadEndpoint;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Translates Istio configuration into the Envoy xDS v3 resources a proxyless client consumes, with
 * istiod's {@code grpc} generator names. For every ServiceEntry host {@code H} (an FQDN) and port {@code P}:
 *
 * <ul>
 *   <li>CDS: {@code outbound|P||H} and {@code outbound|P|<subset>|H} per DestinationRule subset, type EDS
 *       over ADS, {@code lb_policy} from the DestinationRule (Istio's default LEAST_REQUEST);
 *   <li>EDS: one ClusterLoadAssignment per cluster (subset clusters keep the endpoints carrying all the
 *       subset's labels);
 *   <li>LDS: the API listener {@code H:P}; for a port of an opaque TCP protocol also the socket listener
 *       {@code 0.0.0.0_P} with a {@code tcp_proxy} ({@link TcpListenerTranslator});
 *   <li>RDS: {@code outbound|P||H} with the VirtualService routes for {@code H}.
 * </ul>
 *
 * A gateway (a client of the router kind) gets the listeners, route configurations and SDS secrets of the
 * Gateways that select it instead of the outbound listeners and routes ({@link GatewayTranslator}).
 *
 * Plus, for a client that is itself a workload of the mesh, its inbound listeners
 * {@code xds.istio.io/grpc/lds/inbound/<ip>:<port>} from PeerAuthentication and AuthorizationPolicy
 * ({@link SecurityTranslation}).
 *
 * Per client ({@link ClientView}), only the services it may see are emitted, and only the VirtualServices
 * exported to its namespace contribute routes ({@link ClientScope}: {@code exportTo} and Sidecar egress
 * hosts). Validation and diagnostics always cover the whole configuration, whatever the client.
 *
 * Pure and thread-safe: no I/O, no exceptions for bad input (everything is reported as diagnostics).
 */
public final class XdsTranslator {

  private final String clusterDomain;

  /** A translator for the cluster domain {@value HostResolver#DEFAULT_CLUSTER_DOMAIN}. */
  public XdsTranslator() {
    this(HostResolver.DEFAULT_CLUSTER_DOMAIN);
  }

  /** @param clusterDomain the Kubernetes cluster DNS domain that short host names expand into */
  public XdsTranslator(String clusterDomain) {
    this.clusterDomain = clusterDomain;
  }

  /**
   * Translates {@code config}.
   *
   * @return the resources and the loading plus translation diagnostics; if these contain an error the
   *     resources must not be served
   */
  public XdsResources translate(IstioConfig config) {
    return translate(config, ClientView.DEFAULT);
  }

  /**
   * Translates {@code config} as seen by {@code client} (istiod generates per proxy: {@code sourceLabels}
   * and {@code sourceNamespace} of VirtualService matches are evaluated against it).
   *
   * @return the resources and the loading plus translation diagnostics; if these contain an error the
   *     resources must not be served
   */
  public XdsResources translate(IstioConfig config, ClientView client) {
    return translate(analyze(config), client, ServiceReuse.NONE);
  }

  /**
   * What translation needs of the whole configuration, whatever the client: services, DestinationRules and
   * VirtualServices indexed by host, and every diagnostic (validation always covers the whole
   * configuration).
   */
  record Analysis(IstioConfig config, Set<String> namespaces, HostResolver resolver, ServiceRegistry registry,
      DestinationPolicies policies, VirtualServiceIndex virtualServices, List<Diagnostic> diagnostics) {}

  /** Indexes and validates {@code config} once, for the translation of any number of client views. */
  Analysis analyze(IstioConfig config) {
    return analyze(config, entry -> null);
  }

  /**
   * Like {@link #analyze(IstioConfig)}, taking the endpoints of a ServiceEntry from {@code earlierSelection}
   * when it has them (see {@link ServiceRegistry#build(IstioConfig, HostResolver, DiagnosticCollector,
   * Function)}).
   */
  Analysis analyze(IstioConfig config, Function<ServiceEntry, List<WorkloadEndpoint>> earlierSelection) {
    DiagnosticCollector diagnostics = new DiagnosticCollector(config.sourceLines());
    diagnostics.addAll(config.diagnostics());
    Set<String> namespaces = namespaces(config);
    HostResolver resolver = new HostResolver(clusterDomain, namespaces);
    ServiceRegistry registry = ServiceRegistry.build(config, resolver, diagnostics, earlierSelection);
    DestinationPolicies policies = DestinationPolicies.build(config, resolver, registry, diagnostics);
    VirtualServiceIndex virtualServices = VirtualServiceIndex.build(config, resolver, registry, diagnostics);
    DestinationValidator.validate(config, resolver, registry, policies, diagnostics);
    SubsetCoverage.check(config, resolver, registry, diagnostics);
    SecurityTranslation.check(config, diagnostics);
    GatewayChecks.check(config, resolver, registry, policies, diagnostics);
    TelemetryTranslation.check(config, diagnostics);
    return new Analysis(config, namespaces, resolver, registry, policies, virtualServices, diagnostics.list());
  }

  /** The resources of one service (all its ports) for one client. */
  record ServiceXds(List<Listener> listeners, List<RouteConfiguration> routeConfigurations, List<Cluster> clusters,
      List<ClusterLoadAssignment> endpoints) {}

  /** Which services' resources a translation may take from an earlier one instead of translating them. */
  interface ServiceReuse {
    /** Translates every service. */
    ServiceReuse NONE = new ServiceReuse() {
      @Override
      public ServiceXds reusable(String host) {
        return null;
      }

      @Override
      public void translated(String host, ServiceXds resources) {}
    };

    /** The earlier resources of the service {@code host} if they are still valid, else null. */
    ServiceXds reusable(String host);

    /** Told the resources of every service of the translation, reused or not. */
    void translated(String host, ServiceXds resources);
  }

  /** Translates an analysed configuration as seen by {@code client}, reusing what {@code reuse} offers. */
  XdsResources translate(Analysis analysis, ClientView client, ServiceReuse reuse) {
    IstioConfig config = analysis.config();
    RouteTranslator routes = new RouteTranslator(analysis.resolver(),
        new RouteActionTranslator(analysis.resolver(), analysis.registry(), analysis.policies()), client);
    ClientScope scope = ClientScope.of(config, client);

    List<Listener> listeners = new ArrayList<>();
    List<RouteConfiguration> routeConfigurations = new ArrayList<>();
    List<Cluster> clusters = new ArrayList<>();
    List<ClusterLoadAssignment> endpoints = new ArrayList<>();
    for (MeshService service : analysis.registry().services()) {
      if (!scope.sees(service)) {
        continue;
      }
      ServiceXds translated = reuse.reusable(service.host());
      if (translated == null) {
        translated = service(service, analysis, routes, scope, client);
      }
      reuse.translated(service.host(), translated);
      listeners.addAll(translated.listeners());
      routeConfigurations.addAll(translated.routeConfigurations());
      clusters.addAll(translated.clusters());
      endpoints.addAll(translated.endpoints());
    }
    if (client.router()) {
      return EnvoyFilterTranslation.apply(config, client,
          GatewayTranslator.translate(analysis, routes, scope, client, clusters, endpoints));
    }
    SecurityTranslation.apply(config, analysis.resolver(), analysis.registry(), client, listeners, clusters);
    listeners.addAll(TcpListenerTranslator.listeners(analysis, scope));
    listeners = new ArrayList<>(TelemetryTranslation.apply(config.telemetry(), client, listeners));
    return EnvoyFilterTranslation.apply(config, client,
        new XdsResources(listeners, routeConfigurations, clusters, endpoints, analysis.diagnostics()));
  }

  /** The listeners, route configurations, clusters and load assignments of every port of {@code service}. */
  private static ServiceXds service(MeshService service, Analysis analysis, RouteTranslator routes,
      ClientScope scope, ClientView client) {
    DestinationPolicies policies = analysis.policies();
    List<Listener> listeners = new ArrayList<>();
    List<RouteConfiguration> routeConfigurations = new ArrayList<>();
    List<Cluster> clusters = new ArrayList<>();
    List<ClusterLoadAssignment> endpoints = new ArrayList<>();
    List<Subset> subsets = policies.subsets(service.host());
    for (ServicePort port : service.ports()) {
      String name = ClusterNames.outbound(port.number(), "", service.host());
      boolean eds = service.discovery() == Cluster.DiscoveryType.EDS;
      DestinationPolicies.ClusterPolicy servicePolicy = policies.forCluster(service.host(), port.number());
      ClusterLoadAssignment assignment = forClient(
          EndpointTranslator.loadAssignment(name, port, service.endpoints()), service.endpoints(), servicePolicy,
          client);
      clusters.add(UpstreamProtocolTranslator.apply(EndpointTranslator.withServiceMetadata(
          ClusterPolicyTranslator.apply(name, service, assignment, servicePolicy), service, port, ""), port));
      if (eds) {
        endpoints.add(assignment);
      }
      for (Subset subset : subsets) {
        String subsetName = ClusterNames.outbound(port.number(), subset.name(), service.host());
        DestinationPolicies.ClusterPolicy subsetPolicy = policies.forCluster(service.host(), subset, port.number());
        List<WorkloadEndpoint> subsetEndpoints = inSubset(service, subset);
        ClusterLoadAssignment subsetAssignment = forClient(
            EndpointTranslator.loadAssignment(subsetName, port, subsetEndpoints), subsetEndpoints, subsetPolicy,
            client);
        clusters.add(UpstreamProtocolTranslator.apply(EndpointTranslator.withServiceMetadata(
            ClusterPolicyTranslator.apply(subsetName, service, subsetAssignment, subsetPolicy), service, port,
            subset.name()), port));
        if (eds) {
          endpoints.add(subsetAssignment);
        }
      }
      listeners.add(ListenerTranslator.apiListener(service.host(), port.number(), !service.meshExternal()));
      routeConfigurations.add(
          routes.routeConfiguration(service, port, analysis.virtualServices().rules(service.host()).stream()
              .filter(bound -> scope.exported(bound.virtualService().ref())).toList()));
    }
    CorsTranslator.addFilters(listeners, routeConfigurations);
    return new ServiceXds(List.copyOf(listeners), List.copyOf(routeConfigurations), List.copyOf(clusters),
        List.copyOf(endpoints));
  }

  private static List<WorkloadEndpoint> inSubset(MeshService service, Subset subset) {
    return service.endpoints().stream().filter(endpoint -> endpoint.hasLabels(subset.labels())).toList();
  }

  private static Set<String> namespaces(IstioConfig config) {
    Set<String> namespaces = new HashSet<>();
    Stream.of(
            config.serviceEntries().stream().map(se -> se.ref()),
            config.deployments().stream().map(d -> d.ref()),
            config.workloadEntries().stream().map(we -> we.ref()),
            config.destinationRules().stream().map(dr -> dr.ref()),
            config.virtualServices().stream().map(vs -> vs.ref()))
        .flatMap(refs -> refs)
        .map(ResourceRef::namespace)
        .forEach(namespaces::add);
    return new TreeSet<>(namespaces);
  }

  /**
   * The assignment (of {@code endpoints}) as {@code client} sees it under the cluster's locality load balancing:
   * {@code failoverPriority} ({@link FailoverPriority}) when set, enabled, with outlier detection and no
   * {@code distribute} rule (istiod applies one or the other), else {@link LocalityLoadBalancing}.
   */
  private static ClusterLoadAssignment forClient(ClusterLoadAssignment assignment, List<WorkloadEndpoint> endpoints,
      DestinationPolicies.ClusterPolicy policy, ClientView client) {
    Optional<LocalityLbSetting> setting = policy.loadBalancer().localityLbSetting();
    boolean outlierDetection = policy.resilience().outlierDetection() != null;
    if (outlierDetection && setting.isPresent() && setting.get().enabled() && !setting.get().failoverPriority().isEmpty()
        && setting.get().distribute().isEmpty()) {
      ClusterLoadAssignment prioritized = FailoverPriority.apply(assignment, endpoints, client.labels(),
          client.locality(), setting.get().failoverPriority());
      return setting.get().failover().isEmpty() || client.locality().isEmpty()
          ? prioritized : LocalityLoadBalancing.failover(prioritized, client.locality(), setting.get().failover());
    }
    return LocalityLoadBalancing.apply(assignment, client.locality(), setting, outlierDetection);
  }
}
