/**
 * The local control plane's CA: Istio's {@code IstioCertificateService/CreateCertificate} over gRPC, the
 * requester authenticated by a bearer token and allowed only identities it may claim. Imports mesh-tls, grpc
 * and the Istio model; never the translators or the runtime.
 */
package io.bowline.controlplane.ca;
