/**
 * Envoy's fault config as filters share it ({@code filters/common/fault}): the compiled {@code HTTPFault}
 * decisions and the filter-level defaults. Must not import the pipeline, filters, router or adapters.
 */
package io.bowline.runtime.filter.common.fault;
