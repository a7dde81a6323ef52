/**
 * Route matching and route actions as Envoy does them (virtual host, first matching route,
 * weighted cluster, rewrites, header edits, redirects), compiled once per snapshot. Transport
 * agnostic: must not import the adapters or the xDS transport (it uses only the hash of the
 * load balancers, for {@code hash_policy}).
 */
package io.bowline.runtime.routing;
