/**
 * Istio config into Envoy xDS v3 resources, named as istiod's grpc generator names them, per client view and
 * incrementally. Must not import the xDS server, the CLI or the runtime.
 */
package io.bowline.controlplane.translate;
