/**
 * {@code envoy.filters.http.fault} as a filter of the exchange pipeline. Imports the pipeline and
 * resilience's fault decisions; no transport.
 */
package io.bowline.runtime.filter.fault;
