/** Envoy {@code RetryPolicy}: retry conditions and fully jittered back-off. No transport imports. */
package io.bowline.runtime.router.retry;
