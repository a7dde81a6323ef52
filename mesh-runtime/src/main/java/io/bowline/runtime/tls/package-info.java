/**
 * Outbound TLS: each cluster's {@code UpstreamTlsContext} compiled into an {@code UpstreamTlsHandle} (an
 * {@code SSLContext} with SPIFFE verification that follows rotation, SNI, ALPN) fed by certificate provider
 * instances and SDS secrets. Imports only mesh-api and mesh-tls: no other runtime package.
 */
package io.bowline.runtime.tls;
