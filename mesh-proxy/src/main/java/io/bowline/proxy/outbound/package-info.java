/**
 * The proxy's adapter on the exchange pipeline: per-request exchanges, the Netty UpstreamTransport and connection pools. Never imports the runtime's adapters.
 */
package io.bowline.proxy.outbound;
