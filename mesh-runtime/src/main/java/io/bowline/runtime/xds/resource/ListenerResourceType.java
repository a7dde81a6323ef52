package io.bowline.runtime.xds.resource;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.bowline.api.config.FaultPolicy;
import io.bowline.api.config.Listener;
import io.bowline.api.config.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.util.ArrayList;
import java.util.List;

/**
 * LDS: {@code envoy.config.listener.v3.Listener}. Only listeners with an {@code api_listener}
 * holding an {@code HttpConnectionManager} are used; others (socket listeners, Istio's inbound
 * listeners) are accepted and ignored.
 */
public final class ListenerResourceType
    extends ResourceType<io.envoyproxy.envoy.config.listener.v3.Listener, Listener> {

  private final RouteConfigurationResourceType routes = new RouteConfigurationResourceType();

  public ListenerResourceType() {
    super(TypeUrls.LISTENER, io.envoyproxy.envoy.config.listener.v3.Listener.class, true);
  }

  @Override
  public String name(io.envoyproxy.envoy.config.listener.v3.Listener proto) {
    return proto.getName();
  }

  @Override
  public Listener parse(io.envoyproxy.envoy.config.listener.v3.Listener proto) throws ResourceException {
    if (!proto.hasApiListener()) {
      return null;
    }
    Any any = proto.getApiListener().getApiListener();
    if (!any.getTypeUrl().equals(TypeUrls.HTTP_CONNECTION_MANAGER)) {
      throw new ResourceException(
          "api_listener.api_listener", "expected HttpConnectionManager, got " + any.getTypeUrl());
    }
    HttpConnectionManager hcm;
    try {
      hcm = any.unpack(HttpConnectionManager.class);
    } catch (InvalidProtocolBufferException e) {
      throw new ResourceException("api_listener.api_listener", "cannot decode: " + e.getMessage());
    }
    List<String> filters = new ArrayList<>();
    FaultPolicy fault = null;
    for (HttpFilter f : hcm.getHttpFiltersList()) {
      FaultPolicy own = FaultParser.filterFault(f, "api_listener.http_filters[" + filters.size() + "]");
      if (fault == null) {
        fault = own;
      }
      filters.add(f.getName());
    }
    switch (hcm.getRouteSpecifierCase()) {
      case RDS:
        ConfigSources.requireAds(hcm.getRds().getConfigSource(), "api_listener.rds.config_source");
        String rdsName = hcm.getRds().getRouteConfigName();
        if (rdsName.isEmpty()) {
          throw new ResourceException("api_listener.rds.route_config_name", "must not be empty");
        }
        return new Listener(proto.getName(), rdsName, null, filters, fault);
      case ROUTE_CONFIG:
        RouteConfiguration inline;
        try {
          inline = routes.parse(hcm.getRouteConfig());
        } catch (ResourceException e) {
          throw e.within("api_listener.route_config");
        }
        return new Listener(proto.getName(), null, inline, filters, fault);
      default:
        throw new ResourceException(
            "api_listener.route_specifier", "unsupported: " + hcm.getRouteSpecifierCase());
    }
  }
}
