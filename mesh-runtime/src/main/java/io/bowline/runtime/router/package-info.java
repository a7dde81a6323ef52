/**
 * {@code envoy.filters.http.router}: the one attempt state machine
 * ({@link io.bowline.runtime.router.UpstreamCall}) over an adapter's
 * {@link io.bowline.runtime.router.UpstreamTransport}, and the schedulers exchanges run on. No
 * transport (OkHttp, gRPC) imports.
 */
package io.bowline.runtime.router;
