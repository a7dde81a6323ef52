/**
 * {@code envoy.filters.http.router}: the one attempt state machine ({@link
 * io.bowline.runtime.router.UpstreamCall}) over an adapter's {@link
 * io.bowline.runtime.router.UpstreamTransport}. Must not import adapters or the xDS transport.
 */
package io.bowline.runtime.router;
