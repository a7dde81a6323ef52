package io.bowline.runtime.xds.resource;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.bowline.api.config.FaultPolicy;
import io.bowline.api.config.HttpTelemetry;
import io.bowline.api.config.Listener;
import io.bowline.api.config.SocketListener;
import io.bowline.api.config.LocalRateLimitPolicy;
import io.bowline.api.config.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * LDS: {@code envoy.config.listener.v3.Listener}. Listeners with an {@code api_listener} holding an
 * {@code HttpConnectionManager} become {@link Listener}s. Socket listeners become {@link SocketListener}s
 * on a gateway ({@code router~} node); a sidecar or proxyless client accepts and ignores them (Istio's
 * inbound listeners).
 */
public final class ListenerResourceType
    extends ResourceType<io.envoyproxy.envoy.config.listener.v3.Listener, Object> {

  private static final String ROUTER_TYPE = "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router";

  private final RouteConfigurationResourceType routes = new RouteConfigurationResourceType();
  private final boolean routerNode;

  /** The listener type of a sidecar or proxyless client: socket listeners are accepted and ignored. */
  public ListenerResourceType() {
    this(false);
  }

  /**
   * @param routerNode whether the client is a gateway ({@code router~} node): its socket listeners are read
   *     into {@link SocketListener}s (and NACKed when they ask for what the gateway cannot do)
   */
  public ListenerResourceType(boolean routerNode) {
    super(TypeUrls.LISTENER, io.envoyproxy.envoy.config.listener.v3.Listener.class, true);
    this.routerNode = routerNode;
  }

  @Override
  public String name(io.envoyproxy.envoy.config.listener.v3.Listener proto) {
    return proto.getName();
  }

  @Override
  public Object parse(io.envoyproxy.envoy.config.listener.v3.Listener proto) throws ResourceException {
    if (!proto.hasApiListener()) {
      return routerNode ? SocketListenerParser.parse(proto, this) : null;
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
      hcm = any.unpack(HttpConnectionManager.class);
    } catch (InvalidProtocolBufferException e) {
      throw new ResourceException(at, "cannot decode: " + e.getMessage());
    }
    List<String> filters = new ArrayList<>();
    LocalRateLimitPolicy[] localRateLimit = {null};
    FaultPolicy fault = httpFilters(hcm, filters, name, localRateLimit, at);
    HttpTelemetry telemetry = HcmTelemetryParser.parse(hcm);
    switch (hcm.getRouteSpecifierCase()) {
      case RDS:
        ConfigSources.requireAds(hcm.getRds().getConfigSource(), at + ".rds.config_source");
        String rdsName = hcm.getRds().getRouteConfigName();
        if (rdsName.isEmpty()) {
          throw new ResourceException(at + ".rds.route_config_name", "must not be empty");
        }
        return new Listener(name, rdsName, null, filters, fault, localRateLimit[0], telemetry);
      case ROUTE_CONFIG:
        RouteConfiguration inline;
        try {
          inline = routes.parse(hcm.getRouteConfig());
        } catch (ResourceException e) {
          throw e.within(at + ".route_config");
        }
        return new Listener(name, null, inline, filters, fault, localRateLimit[0], telemetry);
      default:
        throw new ResourceException(at + ".route_specifier", "unsupported: " + hcm.getRouteSpecifierCase());
    }
  }

  /**
   * Reads {@code http_filters} as gRFC A39 and Envoy do: a filter's kind is its
   * {@code typed_config} type URL; the router must be last and nowhere else; names are unique; a
   * filter Bowline does not run is NACKed unless {@code is_optional}, then skipped. An empty list is
   * read as the router alone. Adds the names of the filters kept to {@code names}, and puts the
   * {@code envoy.filters.http.local_ratelimit} filter's config in {@code localRateLimit[0]}.
   *
   * @return the fault filter's own config ({@link FaultPolicy#NONE} when it configures none), or
   *     {@code null} without a fault filter: routes' fault configs then do not apply
   */
  private static FaultPolicy httpFilters(HttpConnectionManager hcm, List<String> names, String listener,
      LocalRateLimitPolicy[] localRateLimit, String prefix) throws ResourceException {
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
