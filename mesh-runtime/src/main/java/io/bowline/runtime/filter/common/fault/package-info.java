/** Envoy HTTP fault injection ({@code envoy.filters.http.fault}) decisions. No transport imports. */
package io.bowline.runtime.filter.common.fault;
