package io.bowline.runtime.xds;

/**
 * The runtime's {@link XdsReconnectTest}, run in the proxy's class path: the xDS client's streams are carried by the
 * proxy's Netty gRPC transport ({@code io.bowline.proxy.xds}) instead of grpc-java, to the same servers.
 */
class XdsReconnectOverProxyTransportTest extends XdsReconnectTest {
}
