/**
 * Istio's YAML (VirtualService, DestinationRule, ServiceEntry, WorkloadEntry, Sidecar, security policies)
 * read into records, with positioned diagnostics. Must not import the translation, the xDS server, the CLI
 * or the runtime.
 */
package io.bowline.controlplane.istio;
