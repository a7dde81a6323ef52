package io.bowline.controlplane.translate;

import com.google.common.net.InetAddresses;
import com.google.protobuf.Any;
import io.bowline.controlplane.istio.DiagnosticCollector;
import io.bowline.controlplane.istio.IstioConfig;
import io.bowline.controlplane.istio.MtlsMode;
import io.bowline.controlplane.istio.ServiceEntry;
import io.bowline.controlplane.istio.ServicePort;
import io.bowline.controlplane.istio.WorkloadEndpoint;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.NonForwardingAction;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The inbound listeners of a proxyless gRPC server, as istiod's {@code grpc} generator builds them from
 * {@code PeerAuthentication} and {@code AuthorizationPolicy}: one Listener
 * {@code xds.istio.io/grpc/lds/inbound/<ip>:<port>} per address and port of the client's workload, whose
 * filter chains are
 *
 * <ul>
 *   <li>{@code inbound-plaintext} when the port's mTLS mode is DISABLE, or PERMISSIVE to proxyless gRPC (gRPC
 *       cannot tell mTLS from plaintext on one port, so PERMISSIVE is served as plaintext), or
 *       {@code inbound-mtls} with a {@code DownstreamTlsContext} requiring client certificates
 *       ({@link TlsContexts#downstream()}) when it is STRICT, or PERMISSIVE to gRPC on a workload labelled
 *       {@value #TLS_MODE_LABEL}{@code : istio} (its clients use auto-mTLS); PERMISSIVE to Bowline's runtime, which
 *       sniffs the first bytes, is both chains, matched by {@code transport_protocol} {@code tls} and
 *       {@code raw_buffer} as istiod builds a sidecar's;
 *   <li>one HttpConnectionManager {@code inbound-hcm<plaintext|mtls>} with the RBAC filters
 *       ({@link RbacFilterTranslator}) then the router, and the inline route configuration {@code inbound}:
 *       one virtual host for {@code *} whose one route (prefix {@code /}) has a {@code NonForwardingAction}.
 * </ul>
 *
 * <p>The workload is the client's view (namespace and labels): its ports are those of the services of its
 * namespace that select it (a ServiceEntry {@code workloadSelector} or Kubernetes Service selector whose labels
 * it carries, or an endpoint whose labels it carries). The port is the endpoint port (a WorkloadEntry's named
 * port, else {@code targetPort}, else the service port), as istiod keys inbound listeners by endpoint port. A
 * gRPC server asks for the address it binds, so the listeners are emitted for every IP address its endpoints
 * have and for the wildcard addresses {@code 0.0.0.0} and {@code [::]} (a server bound to all interfaces);
 * istiod answers whatever address is asked with the same content, and Bowline's snapshot is made before the
 * names are asked for.
 */
final class InboundListenerTranslator {

  /** The name prefix of inbound listeners (the gRPC bootstrap's {@code server_listener_resource_name_template}). */
  static final String NAME_PREFIX = "xds.istio.io/grpc/lds/inbound/";
  /** The workload label with which Istio's auto-mTLS makes clients use mTLS. */
  static final String TLS_MODE_LABEL = "security.istio.io/tlsMode";
  /** The addresses of servers bound to all interfaces. */
  static final List<String> WILDCARD_ADDRESSES = List.of("0.0.0.0", "::");

  private InboundListenerTranslator() {}

  /** The inbound listeners of {@code client}'s workload; none when it carries no labels. */
  static List<Listener> listeners(IstioConfig config, ServiceRegistry registry, ClientView client) {
    if (client.labels().isEmpty()) {
      return List.of();
    }
    Map<Integer, Set<String>> addressesByPort = new TreeMap<>();
    for (MeshService service : registry.services()) {
      if (!service.source().namespace().equals(client.namespace())) {
        continue;
      }
      List<WorkloadEndpoint> own = service.endpoints().stream()
          .filter(e -> !e.labels().isEmpty() && carries(client.labels(), e.labels()))
          .toList();
      boolean selected = !own.isEmpty() || selector(config, service)
          .map(selector -> carries(client.labels(), selector)).orElse(false);
      if (!selected) {
        continue;
      }
      for (ServicePort port : service.ports()) {
        if (own.isEmpty()) {
          addressesByPort.computeIfAbsent(port.targetPort() > 0 ? port.targetPort() : port.number(),
              p -> new LinkedHashSet<>());
        }
        for (WorkloadEndpoint endpoint : own) {
          Set<String> addresses = addressesByPort.computeIfAbsent(
              EndpointTranslator.endpointPort(endpoint, port), p -> new LinkedHashSet<>());
          if (InetAddresses.isInetAddress(endpoint.address())) {
            addresses.add(endpoint.address());
          }
        }
      }
    }
    List<Listener> listeners = new ArrayList<>();
    addressesByPort.forEach((port, addresses) -> {
      List<FilterChain> chains = filterChains(config, client, port);
      Set<String> all = new LinkedHashSet<>(addresses);
      all.addAll(WILDCARD_ADDRESSES);
      for (String address : all) {
        listeners.add(Listener.newBuilder()
            .setName(name(address, port))
            .setAddress(Address.newBuilder().setSocketAddress(
                SocketAddress.newBuilder().setAddress(address).setPortValue(port)))
            .addAllFilterChains(chains)
            .build());
      }
    });
    return listeners;
  }

  /** {@code xds.istio.io/grpc/lds/inbound/<ip>:<port>}, an IPv6 address in brackets. */
  static String name(String address, int port) {
    return NAME_PREFIX + (address.contains(":") ? "[" + address + "]" : address) + ":" + port;
  }

  /**
   * The port's mTLS mode as served: STRICT, DISABLE (plaintext), or PERMISSIVE to a client that tells TLS from
   * plaintext on one port (Bowline's runtime, {@link ClientView#autoMtls()}); to proxyless gRPC PERMISSIVE is
   * DISABLE, or STRICT on a workload labelled for auto-mTLS, as istiod's {@code grpc} generator serves it.
   */
  static MtlsMode servedMode(IstioConfig config, ClientView client, int port) {
    MtlsMode mode = PeerAuthenticationModes.effective(
        config.security().peerAuthentications(), client.namespace(), client.labels(), port);
    if (mode == MtlsMode.PERMISSIVE) {
      if (client.autoMtls()) {
        return MtlsMode.PERMISSIVE;
      }
      return "istio".equals(client.labels().get(TLS_MODE_LABEL)) ? MtlsMode.STRICT : MtlsMode.DISABLE;
    }
    return mode == MtlsMode.STRICT ? MtlsMode.STRICT : MtlsMode.DISABLE;
  }

  /**
   * One chain for STRICT ({@code inbound-mtls}) and DISABLE ({@code inbound-plaintext}); for PERMISSIVE both, as
   * istiod builds a sidecar's PERMISSIVE inbound: the mTLS chain matched by {@code transport_protocol: tls}, the
   * plaintext one by {@code raw_buffer}.
   */
  private static List<FilterChain> filterChains(IstioConfig config, ClientView client, int port) {
    return switch (servedMode(config, client, port)) {
      case STRICT -> List.of(filterChain(config, client, true, null));
      case PERMISSIVE -> List.of(filterChain(config, client, true, "tls"),
          filterChain(config, client, false, "raw_buffer"));
      default -> List.of(filterChain(config, client, false, null));
    };
  }

  private static FilterChain filterChain(IstioConfig config, ClientView client, boolean mtls,
      String transportProtocol) {
    String suffix = mtls ? "mtls" : "plaintext";
    List<HttpFilter> filters = new ArrayList<>(RbacFilterTranslator.filters(
        config.security().authorizationPolicies(), client.namespace(), client.labels(), new DiagnosticCollector()));
    filters.add(HttpFilter.newBuilder().setName(ListenerTranslator.ROUTER_FILTER)
        .setTypedConfig(Any.pack(Router.getDefaultInstance())).build());
    HttpConnectionManager manager = HttpConnectionManager.newBuilder()
        .setRouteConfig(RouteConfiguration.newBuilder()
            .setName("inbound")
            .addVirtualHosts(VirtualHost.newBuilder()
                .addDomains("*")
                .addRoutes(Route.newBuilder()
                    .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                    .setNonForwardingAction(NonForwardingAction.getDefaultInstance()))))
        .addAllHttpFilters(filters)
        .build();
    FilterChain.Builder chain = FilterChain.newBuilder()
        .setName("inbound-" + suffix)
        .addFilters(Filter.newBuilder().setName("inbound-hcm" + suffix).setTypedConfig(Any.pack(manager)));
    if (transportProtocol != null) {
      chain.setFilterChainMatch(FilterChainMatch.newBuilder().setTransportProtocol(transportProtocol));
    }
    if (mtls) {
      chain.setTransportSocket(TlsContexts.transportSocket(TlsContexts.downstream()));
    }
    return chain.build();
  }

  private static Optional<Map<String, String>> selector(IstioConfig config, MeshService service) {
    return config.serviceEntries().stream()
        .filter(entry -> entry.ref().equals(service.source()))
        .findFirst()
        .flatMap(ServiceEntry::workloadSelector);
  }

  private static boolean carries(Map<String, String> labels, Map<String, String> selector) {
    return labels.entrySet().containsAll(selector.entrySet());
  }
}
