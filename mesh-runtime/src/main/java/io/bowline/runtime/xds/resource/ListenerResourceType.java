package io.bowline.runtime.xds.resource;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.bowline.api.config.FaultPolicy;
import io.bowline.api.config.HttpTelemetry;
import io.bowline.api.config.InboundListener;
import io.bowline.api.config.Listener;
import io.bowline.api.config.GlobalRateLimitPolicy;
import io.bowline.api.config.SocketListener;
import io.bowline.api.config.LocalRateLimitPolicy;
import io.bowline.api.config.PeerMetadataExchange;
import io.bowline.api.config.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * LDS: {@code envoy.config.listener.v3.Listener}. A listener with an {@code api_listener} holding an
 * {@code HttpConnectionManager} is a client listener ({@link Listener}). A socket listener is, on a gateway
 * ({@code router~} node), a {@link SocketListener}; on other clients, one whose name starts with the server
 * listener prefix (the bootstrap's {@code server_listener_resource_name_template} up to {@code %s}; Istio's
 * {@value #ISTIO_SERVER_LISTENER_PREFIX}) is a server listener ({@link InboundListener}, gRFC A36, read by
 * {@link InboundListenerParser}); one whose every filter chain is one {@code tcp_proxy} is an outbound TCP
 * listener (istiod's sidecar {@code 0.0.0.0_<port>} for a TCP service port), a {@link SocketListener} that the
 * proxy serves and the library ignores; other socket listeners are accepted and ignored.
 */
public final class ListenerResourceType
    extends ResourceType<io.envoyproxy.envoy.config.listener.v3.Listener, Object> {

  /** The part before {@code %s} of Istio's {@code server_listener_resource_name_template}. */
  public static final String ISTIO_SERVER_LISTENER_PREFIX = "xds.istio.io/grpc/lds/inbound/";

  private static final String ROUTER_TYPE = "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router";

  private final RouteConfigurationResourceType routes = new RouteConfigurationResourceType();
  private final boolean routerNode;

  private final String serverListenerPrefix;

  /** Client listeners, and server listeners named as Istio names them. */
  public ListenerResourceType() {
    this(ISTIO_SERVER_LISTENER_PREFIX, false);
  }

  /** @param serverListenerPrefix names of server listeners start with it; {@code ""} reads none */
  public ListenerResourceType(String serverListenerPrefix) {
    this(serverListenerPrefix, false);
  }

  /**
   * @param routerNode whether the client is a gateway ({@code router~} node): its socket listeners are read
   *     into {@link SocketListener}s (and NACKed when they ask for what the gateway cannot do)
   */
  public ListenerResourceType(boolean routerNode) {
    this(ISTIO_SERVER_LISTENER_PREFIX, routerNode);
  }

  /**
   * @param serverListenerPrefix names of server listeners start with it; {@code ""} reads none
   * @param routerNode whether the client is a gateway, whose socket listeners are {@link SocketListener}s
   */
  public ListenerResourceType(String serverListenerPrefix, boolean routerNode) {
    super(TypeUrls.LISTENER, io.envoyproxy.envoy.config.listener.v3.Listener.getDescriptor(), io.envoyproxy.envoy.config.listener.v3.Listener.parser(), true);
    this.serverListenerPrefix = serverListenerPrefix;
    this.routerNode = routerNode;
  }

  @Override
  public String name(io.envoyproxy.envoy.config.listener.v3.Listener proto) {
    return proto.getName();
  }

  @Override
  public Object parse(io.envoyproxy.envoy.config.listener.v3.Listener proto) throws ResourceException {
    if (!proto.hasApiListener()) {
      if (routerNode) {
        return SocketListenerParser.parse(proto, this);
      }
      if (!serverListenerPrefix.isEmpty() && proto.getName().startsWith(serverListenerPrefix)) {
        return InboundListenerParser.parse(proto);
      }
      return SocketListenerParser.isTcpProxyOnly(proto) ? SocketListenerParser.parse(proto, this) : null;
    }
    return httpConnectionManager(proto.getApiListener().getApiListener(), proto.getName(), "api_listener");
  }

  /**
   * Reads an {@code HttpConnectionManager} (an {@code api_listener}'s, or a socket listener's network filter)
   * as a {@link Listener} named {@code name}.
   *
   * @param any the packed manager
   * @param at the field path of {@code any}, for errors
   */
  Listener httpConnectionManager(Any any, String name, String at) throws ResourceException {
    if (!any.getTypeUrl().equals(TypeUrls.HTTP_CONNECTION_MANAGER)) {
      throw new ResourceException(at, "expected HttpConnectionManager, got " + any.getTypeUrl());
    }
    HttpConnectionManager hcm;
    try {
      hcm = Unpacking.unpack(any, HttpConnectionManager.getDescriptor(), HttpConnectionManager.parser());
    } catch (InvalidProtocolBufferException e) {
      throw new ResourceException(at, "cannot decode: " + e.getMessage());
    }
    List<String> filters = new ArrayList<>();
    LocalRateLimitPolicy[] localRateLimit = {null};
    GlobalRateLimitPolicy[] rateLimit = {null};
    PeerMetadataExchange[] exchange = {null};
    List<HttpTelemetry.MetricConfig> stats = new ArrayList<>();
    FaultPolicy fault = httpFilters(hcm, filters, name, localRateLimit, rateLimit, stats, exchange, at);
    HttpTelemetry telemetry = HcmTelemetryParser.parse(hcm, stats);
    switch (hcm.getRouteSpecifierCase()) {
      case RDS:
        ConfigSources.requireAds(hcm.getRds().getConfigSource(), at + ".rds.config_source");
        String rdsName = hcm.getRds().getRouteConfigName();
        if (rdsName.isEmpty()) {
          throw new ResourceException(at + ".rds.route_config_name", "must not be empty");
        }
        return new Listener(name, rdsName, null, filters, fault, localRateLimit[0], telemetry, rateLimit[0],
            exchange[0]);
      case ROUTE_CONFIG:
        RouteConfiguration inline;
        try {
          inline = routes.parse(hcm.getRouteConfig());
        } catch (ResourceException e) {
          throw e.within(at + ".route_config");
        }
        return new Listener(name, null, inline, filters, fault, localRateLimit[0], telemetry, rateLimit[0],
            exchange[0]);
      default:
        throw new ResourceException(at + ".route_specifier", "unsupported: " + hcm.getRouteSpecifierCase());
    }
  }

  /**
   * Reads {@code http_filters} as gRFC A39 and Envoy do: a filter's kind is its
   * {@code typed_config} type URL; the router must be last and nowhere else; names are unique; a
   * filter Bowline does not run is NACKed unless {@code is_optional}, then skipped. An empty list is
   * read as the router alone. Adds the names of the filters kept to {@code names}, and puts the
   * {@code envoy.filters.http.local_ratelimit} filter's config in {@code localRateLimit[0]}, the
   * {@code envoy.filters.http.ratelimit} filter's in {@code rateLimit[0]}, the {@code istio.stats} filter's metric
   * configs ({@link IstioStatsParser}) in {@code stats}, the {@code istio.metadata_exchange} filter's
   * ({@link PeerMetadataParser}) in {@code exchange[0]}.
   *
   * @return the fault filter's own config ({@link FaultPolicy#NONE} when it configures none), or
   *     {@code null} without a fault filter: routes' fault configs then do not apply
   */
  private static FaultPolicy httpFilters(HttpConnectionManager hcm, List<String> names, String listener,
      LocalRateLimitPolicy[] localRateLimit, GlobalRateLimitPolicy[] rateLimit, List<HttpTelemetry.MetricConfig> stats,
      PeerMetadataExchange[] exchange, String prefix) throws ResourceException {
    FaultPolicy fault = null;
    Set<String> seen = new HashSet<>();
    int count = hcm.getHttpFiltersCount();
    for (int i = 0; i < count; i++) {
      HttpFilter f = hcm.getHttpFilters(i);
      String at = prefix + ".http_filters[" + i + "]";
      if (f.getName().isEmpty()) {
        throw new ResourceException(at + ".name", "must not be empty");
      }
      if (!seen.add(f.getName())) {
        throw new ResourceException(at + ".name", "duplicate HTTP filter \"" + f.getName() + "\"");
      }
      String type = f.hasTypedConfig() ? LocalRateLimitParser.typeOf(f.getTypedConfig(), at + ".typed_config") : "";
      boolean router = type.equals(ROUTER_TYPE);
      if (router != (i == count - 1)) {
        throw new ResourceException(at, router
            ? "the router \"" + f.getName() + "\" must be the last HTTP filter"
            : "the last HTTP filter must be the router (" + ROUTER_TYPE + "), got \"" + f.getName() + "\"");
      }
      if (type.equals(FaultParser.HTTP_FAULT_TYPE)) {
        FaultPolicy own = FaultParser.filterFault(f, at);
        if (fault == null) {
          fault = own == null ? FaultPolicy.NONE : own;
        }
      } else if (type.equals(LocalRateLimitParser.TYPE)) {
        if (localRateLimit[0] != null) {
          throw new ResourceException(at, "a second local rate limit filter is not supported");
        }
        localRateLimit[0] = LocalRateLimitParser.parse(f.getTypedConfig(), "listener " + listener + " " + at,
            at + ".typed_config");
      } else if (type.equals(RateLimitParser.TYPE)) {
        if (rateLimit[0] != null) {
          throw new ResourceException(at, "a second rate limit filter is not supported");
        }
        rateLimit[0] = RateLimitParser.filter(f.getTypedConfig(), at + ".typed_config");
      } else if (type.equals(IstioStatsParser.TYPE)) {
        if (!stats.isEmpty()) {
          throw new ResourceException(at, "a second istio.stats filter is not supported");
        }
        stats.addAll(IstioStatsParser.parse(f.getTypedConfig(), at + ".typed_config"));
      } else if (type.equals(PeerMetadataExchange.TYPE)) {
        if (exchange[0] != null) {
          throw new ResourceException(at, "a second peer metadata exchange filter is not supported");
        }
        exchange[0] = PeerMetadataParser.parse(f.getTypedConfig(), at + ".typed_config");
      } else if (!router) {
        if (f.getIsOptional()) {
          continue; // Envoy and gRFC A39: an optional filter the client does not run is skipped
        }
        throw new ResourceException(at, "HTTP filter \"" + f.getName() + "\" ("
            + (type.isEmpty() ? "no typed_config" : type) + ") is not supported and not is_optional");
      }
      names.add(f.getName());
    }
    return fault;
  }
}
