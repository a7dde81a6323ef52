/**
 * Envoy's rate-limit state as filters share it ({@code filters/common/local_ratelimit}): token buckets,
 * the compiled local rate limit of a route and the listener's defaults. Must not import the pipeline,
 * filters, router or adapters.
 */
package io.bowline.runtime.filter.common.ratelimit;
