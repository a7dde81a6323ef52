/**
 * Route matching and route actions as Envoy does them (virtual host, first matching route, weighted cluster,
 * rewrites, header edits, redirects), compiled once per snapshot. Must not import the pipeline, adapters or
 * the xDS transport.
 */
package io.bowline.runtime.routing;
