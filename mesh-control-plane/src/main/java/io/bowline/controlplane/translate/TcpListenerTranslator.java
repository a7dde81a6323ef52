package io.bowline.controlplane.translate;

import com.google.protobuf.Any;
import io.bowline.controlplane.istio.ServicePort;
import io.bowline.controlplane.istio.VirtualService;
import io.bowline.controlplane.istio.VirtualService.Destination;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/**
 * A sidecar's outbound TCP listeners, as istiod's sidecar generator builds them for a service port whose protocol
 * is opaque TCP ({@code TCP}, {@code TLS}, {@code MONGO}, {@code MYSQL}, {@code REDIS}: port name prefix,
 * {@code appProtocol} or ServiceEntry {@code protocol}): the listener {@code 0.0.0.0_<port>} (the services here
 * have no VIP) on {@code 0.0.0.0:<port>}, one filter chain with {@code envoy.filters.network.tcp_proxy} to the
 * {@code cluster} of the first VirtualService {@code tcp[]} rule of the host that matches the port (its
 * {@code weighted_clusters} when it has several weighted destinations), else to {@code outbound|<port>||<host>}.
 * A port two services share as TCP goes to the first of them in host order (istiod keeps one listener per
 * address and port too). Gateways get theirs from {@link GatewayTranslator} instead.
 */
final class TcpListenerTranslator {
  static final String TCP_PROXY = "envoy.filters.network.tcp_proxy";
  private static final Set<String> OPAQUE = Set.of("TCP", "TLS", "MONGO", "MYSQL", "REDIS");

  private TcpListenerTranslator() {}

  /** Whether Istio proxies a port of {@code protocol} as opaque TCP (a {@code tcp_proxy}, no HTTP routing). */
  static boolean isTcp(ServicePort port) {
    return OPAQUE.contains(port.protocol().toUpperCase(Locale.ROOT));
  }

  /** The TCP listeners of the services {@code scope} sees, in host order. */
  static List<Listener> listeners(XdsTranslator.Analysis analysis, ClientScope scope) {
    RouteActionTranslator clusters =
        new RouteActionTranslator(analysis.resolver(), analysis.registry(), analysis.policies());
    List<Listener> listeners = new ArrayList<>();
    Set<Integer> taken = new HashSet<>();
    List<MeshService> services = new ArrayList<>(analysis.registry().services());
    services.sort(java.util.Comparator.comparing(MeshService::host));
    for (MeshService service : services) {
      if (!scope.sees(service)) {
        continue;
      }
      for (ServicePort port : service.ports()) {
        if (!isTcp(port) || !taken.add(port.number())) {
          continue;
        }
        TcpProxy proxy = route(service, port.number(), analysis, scope, clusters);
        String name = "0.0.0.0_" + port.number();
        listeners.add(Listener.newBuilder()
            .setName(name)
            .setAddress(Address.newBuilder().setSocketAddress(
                SocketAddress.newBuilder().setAddress("0.0.0.0").setPortValue(port.number())))
            .addFilterChains(FilterChain.newBuilder().addFilters(filter(proxy)))
            .build());
      }
    }
    return listeners;
  }

  /** The {@code tcp_proxy} of {@code service}'s port: its first matching exported TCP rule, else its own cluster. */
  private static TcpProxy route(MeshService service, int port, XdsTranslator.Analysis analysis, ClientScope scope,
      RouteActionTranslator clusters) {
    for (VirtualService virtualService : analysis.virtualServices().targeting(service.host())) {
      if (!scope.exported(virtualService.ref())) {
        continue;
      }
      for (VirtualService.TcpRoute rule : virtualService.tcp()) {
        if (rule.matches(port)) {
          return proxy(rule.route(), d -> clusters.clusterName(virtualService, d, port),
              ClusterNames.outbound(port, "", service.host()));
        }
      }
    }
    String cluster = ClusterNames.outbound(port, "", service.host());
    return TcpProxy.newBuilder().setStatPrefix(cluster).setCluster(cluster).build();
  }

  /**
   * A {@code tcp_proxy} to {@code route}'s destinations: its one destination's {@code cluster} (stat prefix the
   * cluster), else {@code weighted_clusters} of those with a weight (stat prefix {@code weightedStatPrefix}).
   */
  static TcpProxy proxy(List<Destination> route, Function<Destination, String> clusterName,
      String weightedStatPrefix) {
    List<Destination> destinations = route.size() == 1 ? route : route.stream().filter(d -> d.weight() > 0).toList();
    TcpProxy.Builder proxy = TcpProxy.newBuilder();
    if (destinations.size() == 1) {
      String cluster = clusterName.apply(destinations.get(0));
      return proxy.setStatPrefix(cluster).setCluster(cluster).build();
    }
    TcpProxy.WeightedCluster.Builder weighted = TcpProxy.WeightedCluster.newBuilder();
    destinations.forEach(d -> weighted.addClusters(TcpProxy.WeightedCluster.ClusterWeight.newBuilder()
        .setName(clusterName.apply(d)).setWeight(d.weight())));
    return proxy.setStatPrefix(weightedStatPrefix).setWeightedClusters(weighted).build();
  }

  /** The network filter of {@code proxy}. */
  static Filter filter(TcpProxy proxy) {
    return Filter.newBuilder().setName(TCP_PROXY).setTypedConfig(Any.pack(proxy)).build();
  }
}
