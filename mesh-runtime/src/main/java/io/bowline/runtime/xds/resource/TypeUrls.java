package io.bowline.runtime.xds.resource;

/** xDS v3 type URLs. */
public final class TypeUrls {
  private static final String PREFIX = "type.googleapis.com/";
  /** LDS. */
  public static final String LISTENER = PREFIX + "envoy.config.listener.v3.Listener";
  /** RDS. */
  public static final String ROUTE_CONFIGURATION = PREFIX + "envoy.config.route.v3.RouteConfiguration";
  /** CDS. */
  public static final String CLUSTER = PREFIX + "envoy.config.cluster.v3.Cluster";
  /** EDS. */
  public static final String CLUSTER_LOAD_ASSIGNMENT = PREFIX + "envoy.config.endpoint.v3.ClusterLoadAssignment";
  /** SDS. */
  public static final String SECRET = PREFIX + "envoy.extensions.transport_sockets.tls.v3.Secret";
  /** The wrapper some servers put around resources in SotW responses. */
  public static final String RESOURCE_WRAPPER = PREFIX + "envoy.service.discovery.v3.Resource";
  /** {@code HttpConnectionManager}, the only api_listener we accept. */
  public static final String HTTP_CONNECTION_MANAGER =
      PREFIX + "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";

  private TypeUrls() {}
}
