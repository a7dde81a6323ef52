/**
 * Envoy cluster circuit breakers ({@code circuit_breakers.thresholds}) as per-cluster atomic counters.
 * Imports only the config model.
 */
package io.bowline.runtime.upstream.circuitbreaker;
