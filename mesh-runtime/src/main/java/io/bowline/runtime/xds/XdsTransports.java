package io.bowline.runtime.xds;

import io.bowline.runtime.bootstrap.ServerInfo;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Picks a server's {@link XdsTransport}: the first {@link XdsTransportFactory} on the class path that
 * takes the server, else grpc-java ({@link GrpcXdsTransport}, loaded only then).
 */
final class XdsTransports {
  private static final List<XdsTransportFactory> FACTORIES = ServiceLoader.load(XdsTransportFactory.class,
      XdsTransports.class.getClassLoader()).stream().map(ServiceLoader.Provider::get).toList();

  private XdsTransports() {}

  static XdsTransport create(ServerInfo server) {
    for (XdsTransportFactory f : FACTORIES) {
      XdsTransport t = f.create(server);
      if (t != null) {
        return t;
      }
    }
    return new GrpcXdsTransport(server);
  }
}
