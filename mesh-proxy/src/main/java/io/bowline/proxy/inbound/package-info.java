/**
 * The proxy's inbound side on the mesh: PeerAuthentication's mTLS mode per connection (TLS told from plaintext by
 * its first bytes, terminated with the workload certificate and clients verified as SPIFFE peers),
 * AuthorizationPolicy per request and Envoy's {@code x-forwarded-client-cert}, all read from the mesh client's server
 * listeners ({@code io.bowline.runtime.inbound}).
 */
package io.bowline.proxy.inbound;
