/**
 * The server side (inbound): server listeners (gRFC A36) as a transport-neutral API per port: the TLS a
 * connection must speak (PeerAuthentication STRICT, PERMISSIVE, DISABLE), the peer's SPIFFE identity, and the
 * RBAC check of each request (AuthorizationPolicy, gRFC A41). May import routing, tls and the services; never
 * the xDS transport, the pipeline or the adapters.
 */
package io.bowline.runtime.inbound;
