package io.bowline.runtime.xds;

import io.bowline.runtime.bootstrap.ServerInfo;

/**
 * Makes the {@link XdsTransport} of an xDS server: the plug-in point for the stream under the xDS client
 * (grpc-java's {@code XdsTransportFactory}). Implementations are found with {@link java.util.ServiceLoader}
 * (a {@code META-INF/services/io.bowline.runtime.xds.XdsTransportFactory} entry); without one, or for a
 * server the one found declines, the xDS client uses grpc-java. The proxy registers its own, on Netty.
 */
public interface XdsTransportFactory {

  /**
   * The transport for {@code server}, or null to leave it to grpc-java (e.g. channel credentials or a
   * target scheme this factory does not handle). Must not block.
   */
  XdsTransport create(ServerInfo server);
}
