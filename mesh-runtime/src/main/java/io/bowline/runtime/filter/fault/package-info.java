/**
 * {@code envoy.filters.http.fault} as a filter of the exchange pipeline, over the decisions in {@code
 * filter.common.fault}. Must not import adapters, the router or the xDS transport.
 */
package io.bowline.runtime.filter.fault;
