/**
 * The immutable configuration model: what the runtime understood of Envoy xDS v3 resources
 * (listeners, route configurations, clusters, endpoint assignments). Every type names the Envoy
 * message it mirrors. Records validate their invariants in their constructors and throw
 * {@link java.lang.IllegalArgumentException} on violation.
 */
package io.bowline.api.config;
