/**
 * Istio's CA API ({@code istio.v1.auth.IstioCertificateService}) on grpc-api: the method descriptor with a
 * hand-written protobuf wire codec for its two messages, and the client. May import grpc-api and
 * {@code io.bowline.tls}; never the runtime or the control plane.
 */
package io.bowline.tls.istio;
