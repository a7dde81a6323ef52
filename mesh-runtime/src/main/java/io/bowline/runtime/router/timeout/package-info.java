/**
 * Envoy's route and per-try timeouts: deadlines, the deadline watchdog and the coarse clock. Must not import
 * the pipeline, the router itself or adapters.
 */
package io.bowline.runtime.router.timeout;
