/**
 * The proxy's xDS transport: the ADS stream carried by a small gRPC-over-HTTP/2 client on Netty (h2 frames, the
 * 5-byte gRPC message prefix, {@code grpc-status} trailers), plugged in under the runtime's xDS client through
 * {@link io.bowline.runtime.xds.XdsTransportFactory}, so the proxy never loads grpc-java.
 */
package io.bowline.proxy.xds;
