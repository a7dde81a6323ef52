/**
 * Istio's HTTP peer metadata exchange ({@code istio.metadata_exchange}) as a filter of the exchange pipeline: what
 * the outbound side sends. Must not import adapters, the router or the xDS transport.
 */
package io.bowline.runtime.filter.peermetadata;
