/** Envoy request mirroring decisions and the bounded fire-and-forget executor. No transport imports. */
package io.bowline.runtime.resilience.mirror;
