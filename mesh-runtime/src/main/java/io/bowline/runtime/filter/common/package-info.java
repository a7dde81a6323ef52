/**
 * What the filters' config helpers share: editing every route's policies of a route configuration.
 * Must not import the pipeline, filters, router or adapters.
 */
package io.bowline.runtime.filter.common;
