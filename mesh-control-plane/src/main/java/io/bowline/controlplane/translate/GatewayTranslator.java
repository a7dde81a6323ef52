package io.bowline.controlplane.translate;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.ByteString;
import com.google.protobuf.UInt32Value;
import io.bowline.controlplane.istio.Gateway;
import io.bowline.controlplane.istio.Gateway.Server;
import io.bowline.controlplane.istio.Gateway.TlsMode;
import io.bowline.controlplane.istio.GatewayVirtualService;
import io.bowline.controlplane.istio.HostResolver;
import io.bowline.controlplane.istio.IstioConfig;
import io.bowline.controlplane.istio.TlsSecret;
import io.bowline.controlplane.istio.VirtualService.Destination;
import io.bowline.controlplane.translate.VirtualServiceIndex.BoundRule;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The configuration of a gateway (a client of the router kind), as istiod's gateway generator builds it for
 * the Gateways whose {@code selector} the gateway's labels carry:
 *
 * <ul>
 *   <li>LDS: one listener {@code <bind|0.0.0.0>_<port>} per server port, bound to that address and port; the
 *       plaintext HTTP servers of a port share one filter chain, each TLS-terminating HTTPS server (SIMPLE,
 *       MUTUAL, ISTIO_MUTUAL) has its own, matched by SNI on its hosts (none for {@code *}), with a
 *       {@code DownstreamTlsContext} whose certificate comes over SDS ({@code kubernetes://<credentialName>},
 *       for MUTUAL the CA {@code kubernetes://<credentialName>-cacert}; ISTIO_MUTUAL the mesh certificate
 *       provider); each chain's HttpConnectionManager fetches its route configuration over ADS;
 *   <li>RDS: {@code http.<port>} (plaintext servers of a port, of every selected Gateway) and
 *       {@code https.<port>.<portName>.<gatewayName>.<gatewayNamespace>} (one per HTTPS server); a virtual host
 *       {@code <host>:<port>} per host in both a server's {@code hosts} and a bound VirtualService's
 *       {@code hosts} (the more specific of the two; {@code namespace/host} server hosts only take the
 *       VirtualServices of that namespace), holding the VirtualServices' routes (catch-alls last);
 *       {@code httpsRedirect} sets {@code require_tls: ALL}; virtual hosts with the same routes are merged;
 *       with none, the single virtual host {@code blackhole:<port>} without routes (every request is a 404
 *       {@code NR});
 *   <li>SDS: the credentials those servers name, from Kubernetes Secrets of the gateway's namespace;
 *   <li>CDS/EDS: the clusters and load assignments of every service the gateway sees, as for a sidecar.
 * </ul>
 *
 * A PASSTHROUGH server (HTTPS or TLS) gets one filter chain per matching {@code tls} rule of its bound
 * VirtualServices: SNI match, {@code tcp_proxy} to the destination. TCP, MONGO, AUTO_PASSTHROUGH and
 * OPTIONAL_MUTUAL servers are not translated (the parser warns).
 */
final class GatewayTranslator {

  /** istiod's {@code DefaultMaxDirectResponseBodySizeBytes}: 1 MiB. */
  private static final int MAX_DIRECT_RESPONSE_BODY_BYTES = 1024 * 1024;
  /** The SDS resource name prefix of a {@code credentialName}, as istiod names it. */
  static final String CREDENTIAL_PREFIX = "kubernetes://";
  /** The suffix of the SDS resource holding a credential's CA. */
  static final String CA_SUFFIX = "-cacert";
  private static final String TLS_INSPECTOR = "envoy.filters.listener.tls_inspector";
  private static final String HTTP_CONNECTION_MANAGER = "envoy.filters.network.http_connection_manager";

  private final XdsTranslator.Analysis analysis;
  private final RouteTranslator routes;
  private final ClientScope scope;
  private final ClientView client;

  private GatewayTranslator(XdsTranslator.Analysis analysis, RouteTranslator routes, ClientScope scope,
      ClientView client) {
    this.analysis = analysis;
    this.routes = routes;
    this.scope = scope;
    this.client = client;
  }

  /** A selected Gateway's server that is translated. */
  private record Bound(Gateway gateway, Server server) {

    String routeName() {
      String bind = server.bind().isEmpty() ? "" : "." + server.bind();
      return server.isHttp()
          ? "http." + server.port().number() + bind
          : "https." + server.port().number() + "." + server.port().name() + "." + gateway.ref().name() + "."
              + gateway.ref().namespace() + bind;
    }

    String listenerName() {
      return (server.bind().isEmpty() ? "0.0.0.0" : server.bind()) + "_" + server.port().number();
    }
  }

  /** The gateway view of {@code client}: its listeners, route configurations and secrets, and the clusters. */
  static XdsResources translate(XdsTranslator.Analysis analysis, RouteTranslator routes, ClientScope scope,
      ClientView client, List<Cluster> clusters, List<ClusterLoadAssignment> endpoints) {
    GatewayTranslator translator = new GatewayTranslator(analysis, routes, scope, client);
    List<Bound> servers = translator.servers();
    Map<String, List<Bound>> byListener = new TreeMap<>();
    Map<String, List<Bound>> byRoute = new TreeMap<>();
    for (Bound bound : servers) {
      byListener.computeIfAbsent(bound.listenerName(), name -> new ArrayList<>()).add(bound);
      if (!bound.server().isPassthrough()) {
        byRoute.computeIfAbsent(bound.routeName(), name -> new ArrayList<>()).add(bound);
      }
    }
    List<Listener> listeners = new ArrayList<>();
    byListener.forEach((name, bound) -> listeners.add(translator.listener(name, bound)));
    List<RouteConfiguration> routeConfigurations = new ArrayList<>();
    byRoute.forEach((name, bound) -> routeConfigurations.add(translator.routeConfiguration(name, bound)));
    return new XdsResources(listeners, routeConfigurations, clusters, endpoints, analysis.diagnostics(),
        translator.secrets(servers));
  }

  /** The translated servers of the Gateways that select the client, in file order. */
  private List<Bound> servers() {
    List<Bound> servers = new ArrayList<>();
    for (Gateway gateway : analysis.config().gateways().gateways()) {
      if (!gateway.selects(client.labels())) {
        continue;
      }
      for (Server server : gateway.servers()) {
        boolean terminated = server.isHttps() && server.tls().mode() != TlsMode.OPTIONAL_MUTUAL;
        boolean passthrough = server.tls().mode() == TlsMode.PASSTHROUGH;
        if (server.isHttp() || terminated || passthrough) {
          servers.add(new Bound(gateway, server));
        }
      }
    }
    return servers;
  }

  private Listener listener(String name, List<Bound> servers) {
    Server first = servers.get(0).server();
    Listener.Builder listener = Listener.newBuilder()
        .setName(name)
        .setAddress(Address.newBuilder().setSocketAddress(SocketAddress.newBuilder()
            .setAddress(first.bind().isEmpty() ? "0.0.0.0" : first.bind())
            .setPortValue(first.port().number())));
    Set<String> plaintextRoutes = new LinkedHashSet<>();
    boolean sni = false;
    for (Bound bound : servers) {
      if (bound.server().isHttp()) {
        if (plaintextRoutes.add(bound.routeName())) {
          listener.addFilterChains(FilterChain.newBuilder().addFilters(connectionManager(name, bound.routeName())));
        }
        continue;
      }
      if (bound.server().isPassthrough()) {
        List<FilterChain> chains = passthrough(bound);
        listener.addAllFilterChains(chains);
        sni |= !chains.isEmpty();
        continue;
      }
      FilterChain.Builder chain = FilterChain.newBuilder()
          .setTransportSocket(TlsContexts.transportSocket(tlsContext(bound.server())))
          .addFilters(connectionManager(name, bound.routeName()));
      List<String> sniHosts = sniHosts(bound.server());
      if (!sniHosts.isEmpty()) {
        chain.setFilterChainMatch(FilterChainMatch.newBuilder().addAllServerNames(sniHosts));
        sni = true;
      }
      listener.addFilterChains(chain);
    }
    if (sni) {
      listener.addListenerFilters(ListenerFilter.newBuilder()
          .setName(TLS_INSPECTOR).setTypedConfig(Any.pack(TlsInspector.getDefaultInstance())));
    }
    return listener.build();
  }

  /**
   * The filter chains of a PASSTHROUGH server: one per {@code tls} rule of a VirtualService bound to its
   * Gateway whose {@code sniHosts} the server's hosts serve, matching those SNI names and forwarding the
   * connection untouched ({@code tcp_proxy}) to the rule's destination cluster (weighted with several).
   */
  private List<FilterChain> passthrough(Bound bound) {
    RouteActionTranslator clusters =
        new RouteActionTranslator(analysis.resolver(), analysis.registry(), analysis.policies());
    List<FilterChain> chains = new ArrayList<>();
    int port = bound.server().port().number();
    for (GatewayVirtualService bindings : analysis.config().gateways().virtualServices()) {
      var virtualService = bindings.virtualService();
      if (!bindings.gateways().contains(bound.gateway().qualifiedName()) || !scope.exported(virtualService.ref())) {
        continue;
      }
      for (GatewayVirtualService.TlsRoute rule : bindings.tls()) {
        List<String> sniHosts = intersection(serverHosts(bound.gateway(), bound.server(),
            virtualService.ref().namespace()), rule.sniHosts().stream().map(h -> h.toLowerCase(Locale.ROOT)).toList());
        if (sniHosts.isEmpty()) {
          continue;
        }
        TcpProxy proxy = TcpListenerTranslator.proxy(rule.route(),
            d -> clusters.clusterName(virtualService, d, port), "outbound_" + bound.listenerName());
        chains.add(FilterChain.newBuilder()
            .setFilterChainMatch(FilterChainMatch.newBuilder().addAllServerNames(sniHosts))
            .addFilters(TcpListenerTranslator.filter(proxy))
            .build());
      }
    }
    return chains;
  }

  private static Filter connectionManager(String listenerName, String routeName) {
    HttpConnectionManager manager = HttpConnectionManager.newBuilder()
        .setStatPrefix("outbound_" + listenerName)
        .setCodecType(HttpConnectionManager.CodecType.AUTO)
        .setUseRemoteAddress(BoolValue.of(true))
        .setRds(Rds.newBuilder().setConfigSource(ClusterTranslator.adsConfigSource()).setRouteConfigName(routeName))
        .addHttpFilters(HttpFilter.newBuilder()
            .setName(HttpPolicyTranslator.FAULT_FILTER).setTypedConfig(Any.pack(HTTPFault.getDefaultInstance())))
        .addHttpFilters(HttpFilter.newBuilder()
            .setName(ListenerTranslator.ROUTER_FILTER).setTypedConfig(Any.pack(Router.getDefaultInstance())))
        .build();
    return Filter.newBuilder().setName(HTTP_CONNECTION_MANAGER).setTypedConfig(Any.pack(manager)).build();
  }

  /** The SNI names a TLS server's filter chain matches: its hosts without namespace; none when one is {@code *}. */
  private static List<String> sniHosts(Server server) {
    List<String> hosts = new ArrayList<>();
    for (String entry : server.hosts()) {
      String host = entry.substring(entry.indexOf('/') + 1).toLowerCase(Locale.ROOT);
      if (host.equals("*")) {
        return List.of();
      }
      if (!hosts.contains(host)) {
        hosts.add(host);
      }
    }
    return hosts;
  }

  private static DownstreamTlsContext tlsContext(Server server) {
    if (server.tls().mode() == TlsMode.ISTIO_MUTUAL) {
      DownstreamTlsContext mesh = TlsContexts.downstream();
      return mesh.toBuilder().setCommonTlsContext(mesh.getCommonTlsContext().toBuilder()
          .addAlpnProtocols("h2").addAlpnProtocols("http/1.1")).build();
    }
    String credential = CREDENTIAL_PREFIX + server.tls().credentialName();
    CommonTlsContext.Builder common = CommonTlsContext.newBuilder()
        .addAlpnProtocols("h2").addAlpnProtocols("http/1.1")
        .addTlsCertificateSdsSecretConfigs(sds(credential));
    boolean mutual = server.tls().mode() == TlsMode.MUTUAL;
    if (mutual) {
      CertificateValidationContext.Builder validation = CertificateValidationContext.newBuilder();
      server.tls().subjectAltNames()
          .forEach(san -> validation.addMatchSubjectAltNames(StringMatcher.newBuilder().setExact(san)));
      common.setCombinedValidationContext(CommonTlsContext.CombinedCertificateValidationContext.newBuilder()
          .setDefaultValidationContext(validation)
          .setValidationContextSdsSecretConfig(sds(credential + CA_SUFFIX)));
    }
    return DownstreamTlsContext.newBuilder()
        .setCommonTlsContext(common)
        .setRequireClientCertificate(BoolValue.of(mutual))
        .build();
  }

  private static SdsSecretConfig sds(String name) {
    return SdsSecretConfig.newBuilder().setName(name).setSdsConfig(ClusterTranslator.adsConfigSource()).build();
  }

  /** A virtual host being built: routes are appended when several VirtualServices share a host. */
  private static final class Draft {
    final String name;
    final List<String> domains = new ArrayList<>();
    List<Route> routes;
    boolean requireTls;

    Draft(String name, String domain, List<Route> routes) {
      this.name = name;
      this.domains.add(domain);
      this.routes = routes;
    }
  }

  private RouteConfiguration routeConfiguration(String name, List<Bound> servers) {
    Map<String, Draft> byHost = new LinkedHashMap<>();
    Map<String, List<Route>> routesByVirtualService = new LinkedHashMap<>();
    for (Bound bound : servers) {
      Server server = bound.server();
      int port = server.port().number();
      for (GatewayVirtualService bindings : analysis.config().gateways().virtualServices()) {
        var virtualService = bindings.virtualService();
        if (!bindings.gateways().contains(bound.gateway().qualifiedName()) || !scope.exported(virtualService.ref())) {
          continue;
        }
        List<String> hosts = intersection(serverHosts(bound.gateway(), server, virtualService.ref().namespace()),
            virtualServiceHosts(analysis.resolver(), bindings));
        if (hosts.isEmpty()) {
          continue;
        }
        List<Route> vsRoutes = routesByVirtualService.computeIfAbsent(
            bound.gateway().qualifiedName() + "|" + virtualService.ref().namespace() + "/" + virtualService.ref().name(),
            key -> routes.rules(virtualService.http().stream().map(rule -> new BoundRule(virtualService, rule))
                .toList(), port, bound.gateway().qualifiedName()));
        for (String host : hosts) {
          Draft draft = byHost.get(host);
          if (draft == null) {
            draft = new Draft(ClusterNames.listener(host, port), host, vsRoutes);
            byHost.put(host, draft);
          } else {
            List<Route> merged = new ArrayList<>(draft.routes);
            merged.addAll(vsRoutes);
            draft.routes = merged;
          }
          draft.requireTls |= server.tls().httpsRedirect();
        }
      }
      if (server.tls().httpsRedirect()) {
        for (String entry : server.hosts()) {
          String host = entry.substring(entry.indexOf('/') + 1).toLowerCase(Locale.ROOT);
          byHost.computeIfAbsent(host, h -> new Draft(ClusterNames.listener(h, port), h, List.of())).requireTls = true;
        }
      }
    }
    RouteConfiguration.Builder configuration = RouteConfiguration.newBuilder()
        .setName(name)
        .setValidateClusters(BoolValue.of(false))
        .setIgnorePortInHostMatching(true)
        .setMaxDirectResponseBodySizeBytes(UInt32Value.of(MAX_DIRECT_RESPONSE_BODY_BYTES));
    if (byHost.isEmpty()) {
      return configuration.addVirtualHosts(VirtualHost.newBuilder()
          .setName(ClusterNames.listener("blackhole", servers.get(0).server().port().number()))
          .addDomains("*"))
          .build();
    }
    collapse(byHost).stream()
        .map(draft -> VirtualHost.newBuilder()
            .setName(draft.name)
            .addAllDomains(draft.domains)
            .addAllRoutes(catchAllsLast(draft.routes))
            .setIncludeRequestAttemptCount(true)
            .setRequireTls(draft.requireTls ? VirtualHost.TlsRequirementType.ALL : VirtualHost.TlsRequirementType.NONE)
            .build())
        .sorted(Comparator.comparing(VirtualHost::getName))
        .forEach(configuration::addVirtualHosts);
    return configuration.build();
  }

  /**
   * istiod's route collapse: in host order, a virtual host with the very same routes (the same VirtualService's)
   * and TLS requirement as an earlier one only adds its domain to it.
   */
  private static List<Draft> collapse(Map<String, Draft> byHost) {
    List<Draft> kept = new ArrayList<>();
    Map<List<Route>, Draft> byRoutes = new IdentityHashMap<>();
    for (String host : byHost.keySet().stream().sorted().toList()) {
      Draft draft = byHost.get(host);
      Draft same = byRoutes.get(draft.routes);
      if (same != null && same.requireTls == draft.requireTls) {
        same.domains.addAll(draft.domains);
      } else {
        byRoutes.put(draft.routes, draft);
        kept.add(draft);
      }
    }
    return kept;
  }

  /** istiod's {@code SortVHostRoutes}: catch-all routes move to the end, the others keep their order. */
  private static List<Route> catchAllsLast(List<Route> routes) {
    List<Route> sorted = new ArrayList<>();
    routes.stream().filter(route -> !RouteMatchTranslator.isCatchAll(route.getMatch())).forEach(sorted::add);
    routes.stream().filter(route -> RouteMatchTranslator.isCatchAll(route.getMatch())).forEach(sorted::add);
    return sorted;
  }

  /**
   * The server's hosts that a VirtualService of {@code namespace} may bind: {@code host} and {@code * /host}
   * always, {@code ./host} when the VirtualService is in the Gateway's namespace, {@code ns/host} when it is in
   * {@code ns}.
   */
  static List<String> serverHosts(Gateway gateway, Server server, String namespace) {
    List<String> hosts = new ArrayList<>();
    for (String entry : server.hosts()) {
      int slash = entry.indexOf('/');
      String hostNamespace = slash < 0 ? "*" : entry.substring(0, slash);
      if (hostNamespace.equals(".")) {
        hostNamespace = gateway.ref().namespace();
      }
      if (hostNamespace.equals("*") || hostNamespace.equals(namespace)) {
        hosts.add(entry.substring(slash + 1).toLowerCase(Locale.ROOT));
      }
    }
    return hosts;
  }

  /** A VirtualService's hosts, short names resolved in its namespace, lower case. */
  static List<String> virtualServiceHosts(HostResolver resolver, GatewayVirtualService bindings) {
    String namespace = bindings.virtualService().ref().namespace();
    return bindings.virtualService().hosts().stream()
        .map(host -> resolver.resolve(host, namespace).toLowerCase(Locale.ROOT))
        .toList();
  }

  /** istiod's {@code Names.Intersection}: for each pair that overlaps, the more specific of the two. */
  static List<String> intersection(List<String> serverHosts, List<String> virtualServiceHosts) {
    Set<String> hosts = new LinkedHashSet<>();
    for (String server : serverHosts) {
      for (String virtualService : virtualServiceHosts) {
        if (subsetOf(server, virtualService)) {
          hosts.add(server);
        } else if (subsetOf(virtualService, server)) {
          hosts.add(virtualService);
        }
      }
    }
    return List.copyOf(hosts);
  }

  /** Whether every name {@code host} matches is matched by {@code other} ({@code *}, {@code *.suffix}, or equal). */
  static boolean subsetOf(String host, String other) {
    if (other.equals("*") || host.equals(other)) {
      return true;
    }
    if (other.startsWith("*.")) {
      return host.endsWith(other.substring(1));
    }
    return false;
  }

  /**
   * The SDS secrets of the credentials the servers name, looked up in the gateway's namespace:
   * {@code kubernetes://<name>} (key and certificate chain) and, for MUTUAL, {@code kubernetes://<name>-cacert}
   * (the {@code ca.crt} of the same Secret, else of the Secret {@code <name>-cacert}). A credential without a
   * Secret is not served, and the listener using it does not start (analyze reports it).
   */
  private List<Secret> secrets(List<Bound> servers) {
    IstioConfig config = analysis.config();
    Map<String, Secret> secrets = new TreeMap<>();
    for (Bound bound : servers) {
      TlsMode mode = bound.server().tls().mode();
      if (mode != TlsMode.SIMPLE && mode != TlsMode.MUTUAL) {
        continue;
      }
      String name = bound.server().tls().credentialName();
      Optional<TlsSecret> secret = config.gateways().secret(client.namespace(), name);
      secret.filter(s -> !s.certificateChain().isEmpty()).ifPresent(s -> secrets.put(CREDENTIAL_PREFIX + name,
          Secret.newBuilder().setName(CREDENTIAL_PREFIX + name).setTlsCertificate(TlsCertificate.newBuilder()
              .setCertificateChain(inline(s.certificateChain()))
              .setPrivateKey(inline(s.privateKey()))).build()));
      if (mode == TlsMode.MUTUAL) {
        secret.filter(TlsSecret::hasCaCertificate)
            .or(() -> config.gateways().secret(client.namespace(), name + CA_SUFFIX).filter(TlsSecret::hasCaCertificate))
            .ifPresent(ca -> secrets.put(CREDENTIAL_PREFIX + name + CA_SUFFIX,
                Secret.newBuilder().setName(CREDENTIAL_PREFIX + name + CA_SUFFIX)
                    .setValidationContext(CertificateValidationContext.newBuilder()
                        .setTrustedCa(inline(ca.caCertificate()))).build()));
      }
    }
    return List.copyOf(secrets.values());
  }

  private static DataSource inline(String pem) {
    return DataSource.newBuilder().setInlineBytes(ByteString.copyFrom(pem, StandardCharsets.UTF_8)).build();
  }
}
