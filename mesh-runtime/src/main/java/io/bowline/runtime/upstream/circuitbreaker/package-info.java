/** Envoy cluster circuit breakers as process-wide atomic counters. No transport imports. */
package io.bowline.runtime.upstream.circuitbreaker;
