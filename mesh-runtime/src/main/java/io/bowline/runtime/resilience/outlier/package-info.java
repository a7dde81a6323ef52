/** Envoy outlier detection: per-host atomic counters, lazy interval sweeps, ejection. No transport imports. */
package io.bowline.runtime.resilience.outlier;
