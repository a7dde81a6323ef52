/**
 * {@code envoy.filters.http.local_ratelimit} as a filter of the exchange pipeline, over the buckets in
 * {@code filter.common.ratelimit}. Must not import adapters, the router or the xDS transport.
 */
package io.bowline.runtime.filter.ratelimit;
