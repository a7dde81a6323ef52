/**
 * The xDS client: ADS streams (state of the world and delta), per-type protocol state, ACK/NACK,
 * subscriptions and does-not-exist timers, server fallback, the process-wide client pool, metrics.
 * Must not import the data plane ({@code snapshot}, {@code routing}, {@code lb}, adapters).
 */
package io.bowline.runtime.xds;
