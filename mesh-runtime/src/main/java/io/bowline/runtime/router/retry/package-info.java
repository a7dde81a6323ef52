/**
 * Envoy's {@code RetryPolicy} compiled per route: retry conditions and fully jittered back-off. Must not
 * import the pipeline, the router itself or adapters.
 */
package io.bowline.runtime.router.retry;
