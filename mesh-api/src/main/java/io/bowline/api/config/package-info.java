/**
 * The immutable configuration model: what the runtime understood of Envoy xDS v3 resources (listeners, route
 * configurations, clusters, endpoint assignments), one record per Envoy message, invariants checked in
 * constructors ({@link java.lang.IllegalArgumentException}). JDK types only: imports nothing outside {@code
 * java.*} and the config model.
 */
package io.bowline.api.config;
