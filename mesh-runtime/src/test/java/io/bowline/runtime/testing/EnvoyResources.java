package io.bowline.runtime.testing;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.UInt32Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;

/** Builders for Envoy resources shaped as istiod's grpc generator shapes them. */
public final class EnvoyResources {
  private EnvoyResources() {}

  public static final ConfigSource ADS = ConfigSource.newBuilder()
      .setAds(AggregatedConfigSource.getDefaultInstance())
      .setResourceApiVersion(ApiVersion.V3)
      .build();

  /** {@code outbound|<port>|<subset>|<fqdn>}. */
  public static String clusterName(int port, String subset, String fqdn) {
    return "outbound|" + port + "|" + subset + "|" + fqdn;
  }

  public static Listener listener(String fqdn, int port) {
    HttpConnectionManager hcm = HttpConnectionManager.newBuilder()
        .setStatPrefix(fqdn)
        .setRds(Rds.newBuilder().setConfigSource(ADS).setRouteConfigName(clusterName(port, "", fqdn)))
        .addHttpFilters(HttpFilter.newBuilder() // istiod's filters for proxyless clients: fault, router
            .setName("envoy.filters.http.fault")
            .setTypedConfig(Any.pack(HTTPFault.getDefaultInstance())))
        .addHttpFilters(HttpFilter.newBuilder()
            .setName("envoy.filters.http.router")
            .setTypedConfig(Any.pack(Router.getDefaultInstance())))
        .build();
    return Listener.newBuilder()
        .setName(fqdn + ":" + port)
        .setApiListener(ApiListener.newBuilder().setApiListener(Any.pack(hcm)))
        .build();
  }

  /**
   * {@code listener} with Istio's {@code istio.metadata_exchange} HTTP filter first, as istiod's sidecar listeners
   * carry it: a {@code TypedStruct} of {@code io.istio.http.peer_metadata.Config} given as JSON.
   *
   * @throws IllegalArgumentException if {@code configJson} is not a JSON object
   */
  public static Listener withPeerMetadataExchange(Listener listener, String configJson) {
    com.google.protobuf.Struct.Builder value = com.google.protobuf.Struct.newBuilder();
    try {
      com.google.protobuf.util.JsonFormat.parser().merge(configJson, value);
      HttpConnectionManager hcm = listener.getApiListener().getApiListener().unpack(HttpConnectionManager.class);
      HttpConnectionManager.Builder b = hcm.toBuilder().addHttpFilters(0, HttpFilter.newBuilder()
          .setName("istio.metadata_exchange").setTypedConfig(Any.pack(com.github.udpa.udpa.type.v1.TypedStruct
              .newBuilder().setTypeUrl("type.googleapis.com/io.istio.http.peer_metadata.Config").setValue(value)
              .build())));
      return listener.toBuilder().setApiListener(listener.getApiListener().toBuilder()
          .setApiListener(Any.pack(b.build()))).build();
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("not a peer metadata config: " + configJson, e);
    }
  }

  /** {@code listener} with its HTTP connection manager's RDS name set to {@code routeConfigName} (a shared one). */
  public static Listener withRouteConfig(Listener listener, String routeConfigName) {
    try {
      HttpConnectionManager hcm = listener.getApiListener().getApiListener().unpack(HttpConnectionManager.class);
      HttpConnectionManager.Builder b = hcm.toBuilder();
      b.getRdsBuilder().setRouteConfigName(routeConfigName);
      return listener.toBuilder().setApiListener(listener.getApiListener().toBuilder()
          .setApiListener(Any.pack(b.build()))).build();
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("not an HTTP connection manager: " + listener.getName(), e);
    }
  }

  /** A route configuration with one virtual host for the service, short names included. */
  public static RouteConfiguration routes(String fqdn, int port, Route... routes) {
    String[] parts = fqdn.split("\\.");
    return RouteConfiguration.newBuilder()
        .setName(clusterName(port, "", fqdn))
        .setIgnorePortInHostMatching(true)
        .addVirtualHosts(VirtualHost.newBuilder()
            .setName(fqdn + ":" + port)
            .addDomains(fqdn)
            .addDomains(parts[0] + "." + parts[1] + ".svc")
            .addDomains(parts[0] + "." + parts[1])
            .addDomains(parts[0])
            .addAllRoutes(java.util.List.of(routes)))
        .build();
  }

  public static Route toCluster(RouteMatch match, String cluster) {
    return Route.newBuilder().setMatch(match).setRoute(RouteAction.newBuilder().setCluster(cluster)).build();
  }

  public static Route weighted(RouteMatch match, Object... namesAndWeights) {
    WeightedCluster.Builder w = WeightedCluster.newBuilder();
    for (int i = 0; i < namesAndWeights.length; i += 2) {
      w.addClusters(WeightedCluster.ClusterWeight.newBuilder()
          .setName((String) namesAndWeights[i])
          .setWeight(UInt32Value.of((Integer) namesAndWeights[i + 1])));
    }
    return Route.newBuilder().setMatch(match).setRoute(RouteAction.newBuilder().setWeightedClusters(w)).build();
  }

  public static RouteMatch prefix(String prefix) {
    return RouteMatch.newBuilder().setPrefix(prefix).setCaseSensitive(BoolValue.of(true)).build();
  }

  public static RouteMatch headerExact(String name, String value) {
    return RouteMatch.newBuilder()
        .setPrefix("")
        .addHeaders(HeaderMatcher.newBuilder()
            .setName(name)
            .setStringMatch(StringMatcher.newBuilder().setExact(value)))
        .build();
  }

  public static Cluster edsCluster(String name, Cluster.LbPolicy lb) {
    return Cluster.newBuilder()
        .setName(name)
        .setType(Cluster.DiscoveryType.EDS)
        .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setEdsConfig(ADS).setServiceName(name))
        .setLbPolicy(lb)
        .build();
  }

  public static ClusterLoadAssignment endpoints(String cluster, int... ports) {
    LocalityLbEndpoints.Builder locality = LocalityLbEndpoints.newBuilder();
    for (int port : ports) {
      locality.addLbEndpoints(LbEndpoint.newBuilder()
          .setHealthStatus(HealthStatus.HEALTHY)
          .setEndpoint(Endpoint.newBuilder().setAddress(Address.newBuilder()
              .setSocketAddress(SocketAddress.newBuilder().setAddress("127.0.0.1").setPortValue(port)))));
    }
    return ClusterLoadAssignment.newBuilder().setClusterName(cluster).addEndpoints(locality).build();
  }
}
