/** Envoy route and per-try timeouts: deadlines and the shared timer. No transport imports. */
package io.bowline.runtime.router.timeout;
